import type { ViduCredentials } from "../../config.ts";
import { hmacSha256, safeEqual } from "../../lib/crypto.ts";

const MAX_SKEW_MS = 5 * 60 * 1000;

/** Vidu's callback signing string (APISIX hmac-auth layout): every line, the last included, ends with "\n". */
export function viduSigningString(method: string, path: string, rawQuery: string, date: string, signed: [string, string][]): string {
  return `${method}\n${path}\n${rawQuery}\nvidu\n${date}\n${signed.map(([name, value]) => `${name}:${value}\n`).join("")}`;
}

export async function viduSignature(apiKey: string, signingString: string): Promise<string> {
  return btoa(String.fromCharCode(...(await hmacSha256(apiKey, signingString))));
}

/**
 * Checks a Vidu callback's HMAC (X-HMAC-* headers, keyed by the API key that created the task) and its Date.
 * PATH and RAW_QUERY come from the URL as received, so the query keeps the order the gateway registered.
 */
export async function verifyViduCallback(
  credentials: ViduCredentials,
  request: Request, // Vidu signs no body
  nowMs: number,
): Promise<{ nonce: string } | { error: string }> {
  const key = credentials.apiKey;
  const headers = request.headers;
  if (headers.get("x-hmac-access-key") !== "vidu") return { error: "X-HMAC-ACCESS-KEY is not vidu" };
  if (headers.get("x-hmac-algorithm")?.toLowerCase() !== "hmac-sha256") return { error: "X-HMAC-ALGORITHM is not hmac-sha256" };
  const signature = headers.get("x-hmac-signature");
  if (!signature) return { error: "X-HMAC-SIGNATURE is missing" };
  const date = headers.get("date");
  const dateMs = date === null ? NaN : Date.parse(date);
  if (Number.isNaN(dateMs)) return { error: "its Date header is missing or unreadable" };
  if (Math.abs(nowMs - dateMs) > MAX_SKEW_MS) return { error: "its Date is more than 5 minutes from now" };
  const nonce = headers.get("x-request-nonce");
  if (!nonce) return { error: "x-request-nonce is missing" };

  const names = (headers.get("x-hmac-signed-headers") ?? "")
    .split(";")
    .map((name) => name.trim())
    .filter(Boolean);
  // An unsigned nonce could be swapped for a fresh one to replay a captured callback.
  if (!names.some((name) => name.toLowerCase() === "x-request-nonce")) return { error: "x-request-nonce is not a signed header" };
  const signed: [string, string][] = [];
  for (const name of names) {
    const value = headers.get(name);
    if (value === null) return { error: `signed header ${name} is missing` };
    signed.push([name, value]);
  }
  const url = new URL(request.url);
  const expected = await viduSignature(key, viduSigningString(request.method, url.pathname, url.search.slice(1), date!, signed));
  return safeEqual(expected, signature) ? { nonce } : { error: "X-HMAC-SIGNATURE does not match" };
}
