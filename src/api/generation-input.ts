import type { Config } from "../config.ts";
import { invalid } from "../lib/errors.ts";
import { checkedImage } from "../providers/input.ts";
import { findModel, isOffered, offeredModels } from "../providers/registry.ts";
import type { TaskRequest } from "../tasks/create.ts";
import { ApiError } from "./errors.ts";
import { GENERATION_FIELDS, GenerationBody } from "./schemas.ts";
import { parseOr400 } from "./validation.ts";

/** Everything about a POST body that can be checked without a vendor: shape, model, and the model's limits. */
export function validateGeneration(raw: unknown, cfg: Config, origin: string): TaskRequest {
  const body = parseOr400(GenerationBody, raw, GENERATION_FIELDS);
  const found = findModel(body.model);
  if (!found) {
    const ids = offeredModels(cfg)
      .map((m) => m.id)
      .join(", ");
    throw new ApiError(400, `Unknown model "${body.model}". Use one of: ${ids}.`, "model_not_found", "model");
  }
  const { provider, spec: model } = found;
  if (!isOffered(cfg, provider.vendor)) {
    throw new ApiError(
      400,
      `Model "${model.id}" is not available on this gateway: its ${provider.name} credentials are not configured.`,
      "model_not_available",
      "model",
    );
  }

  const image = body.image === undefined ? undefined : checkedImage(body.image, "image");

  const prompt = body.prompt ?? "";
  if (prompt.trim() === "" && !image) invalid("prompt", "prompt is required (it may be empty only when image is given).", "missing_required_field");
  if (prompt.length > model.prompt_max) invalid("prompt", `prompt is ${prompt.length} characters; ${model.id} takes at most ${model.prompt_max}.`);

  if (body.duration !== undefined && !model.durations.includes(body.duration)) {
    invalid("duration", `duration ${body.duration} is not offered by ${model.id}; use one of ${model.durations.join(", ")} (seconds).`);
  }
  if (body.fps !== undefined && body.fps !== model.fps) {
    invalid("fps", `${model.id} renders at ${model.fps} fps only; send fps ${model.fps} or leave it out.`);
  }
  if (body.seed !== undefined && !model.seed) invalid("seed", `${model.id} takes no seed; remove seed.`);

  const metadata = { ...(body.metadata ?? {}) };
  const webhookUrl = takeWebhookUrl(metadata, origin);
  const metaSeed = Number.isSafeInteger(metadata.seed) ? (metadata.seed as number) : undefined;

  return {
    model: found,
    input: { model: model.id, prompt, duration: body.duration, size: sizeOf(body), image, metadata, seed: body.seed },
    webhookUrl,
    requestedSeed: body.seed ?? metaSeed ?? null,
    user: body.user ?? null,
  };
}

function sizeOf(body: { size?: string; width?: number; height?: number }): { width: number; height: number } | undefined {
  if ((body.width === undefined) !== (body.height === undefined)) {
    invalid(body.width === undefined ? "width" : "height", "Give both width and height, or neither.");
  }
  const fromSize = body.size?.split("x").map(Number) as [number, number] | undefined;
  if (fromSize && body.width !== undefined && (fromSize[0] !== body.width || fromSize[1] !== body.height)) {
    invalid("size", `size ${body.size} conflicts with width ${body.width} and height ${body.height}; send one of them.`);
  }
  if (fromSize) return { width: fromSize[0], height: fromSize[1] };
  return body.width !== undefined ? { width: body.width, height: body.height! } : undefined;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Removes metadata.callback_url and checks it: https, or http to loopback while the gateway itself runs on loopback. */
function takeWebhookUrl(metadata: Record<string, unknown>, origin: string): string | null {
  const value = metadata.callback_url;
  delete metadata.callback_url;
  if (value === undefined) return null;
  const param = "metadata.callback_url";
  let url: URL;
  try {
    if (typeof value !== "string") throw new TypeError("not a string");
    url = new URL(value);
  } catch {
    return invalid(param, "metadata.callback_url must be an absolute https URL.");
  }
  const local = LOOPBACK.test(new URL(origin).hostname);
  if (url.protocol === "https:" || (local && url.protocol === "http:" && LOOPBACK.test(url.hostname))) return url.toString();
  return invalid(
    param,
    local ? "metadata.callback_url must be https (or http to loopback while running locally)." : "metadata.callback_url must be an https URL.",
  );
}
