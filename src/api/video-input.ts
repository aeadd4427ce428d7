import type { Config } from "../config.ts";
import { sha256Hex, toBase64 } from "../lib/crypto.ts";
import { InputError } from "../lib/errors.ts";
import type { TaskRequest } from "../tasks/create.ts";
import { ApiError } from "./errors.ts";
import { validateGeneration } from "./generation-input.ts";
import { isJson, readJsonText } from "./request-body.ts";
import { VIDEO_CREATE_FIELDS, VideoCreateBody } from "./schemas.ts";
import { parseOr400 } from "./validation.ts";

/** The SDK's multipart form as fields; `input_reference[image_url]` (how it sends the JSON shape) becomes the object. */
async function formFields(request: Request): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch (err) {
    throw new ApiError(400, `The multipart body does not parse: ${(err as Error).message}.`, "invalid_request_body");
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    const [field, value_] = name === "input_reference[image_url]" ? ["input_reference", { image_url: value }] : [name, value];
    if (field in fields) throw new ApiError(400, `Send ${field} once.`, "invalid_value", field);
    fields[field] = value_;
  }
  return fields;
}

async function fields(request: Request): Promise<Record<string, unknown>> {
  if (/^multipart\/form-data\b/i.test(request.headers.get("content-type") ?? "")) return formFields(request);
  if (!isJson(request)) {
    throw new ApiError(415, "Send multipart/form-data (as the OpenAI SDK does) or JSON with `Content-Type: application/json`.", "unsupported_media_type");
  }
  const { json } = await readJsonText(request);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ApiError(400, "The request body must be a JSON object.", "invalid_request_body");
  }
  return json as Record<string, unknown>;
}

/** An uploaded first frame as a data URI (the unified `image`); only images are taken. */
async function imageDataUri(file: File): Promise<string> {
  const type = file.type.split(";")[0]!.trim().toLowerCase();
  if (!/^image\/[\w.+-]+$/.test(type)) {
    throw new ApiError(400, `input_reference must be an image (JPEG, PNG or WebP); this part is ${type || "untyped"}.`, "invalid_value", "input_reference");
  }
  return `data:${type};base64,${toBase64(new Uint8Array(await file.arrayBuffer()))}`;
}

/** The unified fields behind OpenAI's names, for errors that the unified checks raise. */
const OPENAI_NAMES: Record<string, string> = { duration: "seconds", image: "input_reference" };

function renamed<E extends ApiError | InputError>(err: E): E {
  const name = err.param === null ? undefined : OPENAI_NAMES[err.param];
  if (!name) return err;
  const message = err.message.replace(new RegExp(`\\b${err.param}\\b`, "g"), name);
  return (err instanceof ApiError ? new ApiError(err.status, message, err.code, name, err.headers) : new InputError(name, message, err.code)) as E;
}

/**
 * A create-video request (JSON or the SDK's multipart form) checked like a POST /v1/video/generations body, with
 * OpenAI's field names in its errors; also the digest its Idempotency-Key is kept under (the form's random
 * boundary left out, so the SDK's retries match).
 */
export async function validateVideoRequest(request: Request, cfg: Config, origin: string): Promise<{ request: TaskRequest; bodySha: string }> {
  const body = parseOr400(VideoCreateBody, await fields(request), VIDEO_CREATE_FIELDS);
  const reference = body.input_reference;
  const unified = {
    model: body.model,
    prompt: body.prompt,
    duration: body.seconds,
    size: body.size,
    image: reference === undefined ? undefined : reference instanceof File ? await imageDataUri(reference) : reference.image_url,
  };
  try {
    return { request: validateGeneration(unified, cfg, origin), bodySha: await sha256Hex(`openai-videos ${JSON.stringify(unified)}`) };
  } catch (err) {
    throw err instanceof ApiError || err instanceof InputError ? renamed(err) : err;
  }
}
