import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors.ts";

/** Bodies past 20 MiB are refused before they are read (API.md §4). */
export const maxBody = bodyLimit({
  maxSize: 20 * 1024 * 1024,
  onError: () => {
    throw new ApiError(413, "The request body is larger than 20 MiB; send the image as a URL instead.", "request_too_large");
  },
});

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/** Sent as JSON (`application/json` or a `+json` type). */
export function isJson(request: Request): boolean {
  return JSON_TYPE.test(request.headers.get("content-type") ?? "");
}

/** The body as text (for the Idempotency-Key's digest) and parsed; 415 when it is not sent as JSON, 400 when it does not parse. */
export async function readJsonText(request: Request): Promise<{ text: string; json: unknown }> {
  if (!isJson(request)) {
    throw new ApiError(415, "Send the body as JSON with `Content-Type: application/json`.", "unsupported_media_type");
  }
  const text = await request.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch (err) {
    throw new ApiError(400, `The body is not valid JSON: ${(err as Error).message}.`, "invalid_json");
  }
}

/** The parsed JSON body, for routes that keep no digest of it. */
export async function readJson(request: Request): Promise<unknown> {
  return (await readJsonText(request)).json;
}
