import { ApiError } from "./errors.ts";

/** A JSON body with its text (for idempotency digests); 415 without a JSON content type, 400 when it does not parse. */
export async function readJsonText(request: Request): Promise<{ text: string; json: unknown }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new ApiError(415, "Send the body as JSON with `Content-Type: application/json`.", "unsupported_media_type");
  }
  const text = await request.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch (err) {
    throw new ApiError(400, `The body is not valid JSON: ${(err as Error).message}.`, "invalid_json");
  }
}

export async function readJson(request: Request): Promise<unknown> {
  return (await readJsonText(request)).json;
}
