// The `generate` options as the body of POST /v1/video/generations (API.md §4). A bad option is a UsageError
// (exit status 2), found before anything is sent.
import { readFileSync, statSync } from "node:fs";
import { extname } from "node:path";

export class UsageError extends Error {}

const MAX_IMAGE_BYTES = 10 * 2 ** 20;
const IMAGE_TYPES: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif" };

export interface GenerateOptions {
  model: string;
  prompt: string;
  duration?: string;
  size?: string;
  image?: string;
  metadata?: string;
}

/** --image: an http(s) URL or a data URI as it is; otherwise a file, sent as a data URI. */
function image(value: string): string {
  if (/^(https?:\/\/|data:)/i.test(value)) return value;
  let size: number;
  try {
    size = statSync(value).size;
  } catch {
    throw new UsageError(`--image ${value}: no such file (give a file, or an http(s) URL).`);
  }
  if (size > MAX_IMAGE_BYTES) throw new UsageError(`--image ${value} is ${size} bytes; the gateway takes at most 10 MiB.`);
  const type = IMAGE_TYPES[extname(value).toLowerCase()];
  if (!type) throw new UsageError(`--image ${value}: give a .png, .jpg, .webp or .gif file.`);
  return `data:${type};base64,${readFileSync(value).toString("base64")}`;
}

export function generationBody(options: GenerateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { model: options.model, prompt: options.prompt };
  if (options.duration !== undefined) {
    const seconds = Number(options.duration);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--duration must be a number of seconds, not "${options.duration}".`);
    body.duration = seconds;
  }
  if (options.size !== undefined) {
    if (!/^\d+x\d+$/.test(options.size)) throw new UsageError(`--size must be WIDTHxHEIGHT, e.g. 1280x720, not "${options.size}".`);
    body.size = options.size;
  }
  if (options.image !== undefined) body.image = image(options.image);
  if (options.metadata !== undefined) {
    let metadata: unknown;
    try {
      metadata = JSON.parse(options.metadata);
    } catch {
      metadata = null;
    }
    if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) {
      throw new UsageError(`--metadata must be a JSON object, e.g. '{"negative_prompt":"blurry"}'.`);
    }
    body.metadata = metadata;
  }
  return body;
}
