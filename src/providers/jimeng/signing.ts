import { hmacSha256, sha256Hex, toHex } from "../../lib/crypto.ts";

/** Volcengine's fixed signing constants for the visual API (vendor-protocols §2.6). */
const VOLC_REGION = "cn-north-1";
const VOLC_SERVICE = "cv";

/**
 * Variant B of the reference: `host` and `x-date` are signed, as the docs require when present. `host` is
 * always the URL's own host, which is what fetch sends; content-type is left out because the client sets it
 * after signing.
 */
const DEFAULT_SIGNED_HEADERS = ["host", "x-content-sha256", "x-date"];

export interface VolcSignInput {
  method: string;
  /** The full URL fetch is given (base URL + path and query). */
  url: string;
  /** Other headers to send; any of them may be named in `signedHeaders`. */
  headers?: Record<string, string>;
  /** The exact body text that is sent ("" when there is none). */
  body: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** Lowercase header names to sign; DEFAULT_SIGNED_HEADERS when absent. */
  signedHeaders?: string[];
}

/** `20250115T083000Z` */
function volcDate(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

/** RFC 3986: encodeURIComponent also leaves !'()* alone, which Volcengine encodes. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** The canonical request (step 3) for headers already including x-date and x-content-sha256. */
export function volcCanonicalRequest(method: string, url: string, headers: Record<string, string>, signed: string[], bodyHash: string): string {
  const parsed = new URL(url);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  lower.host = parsed.host;
  const names = [...signed].map((n) => n.toLowerCase()).sort();
  const lines = names.map((name) => {
    const value = lower[name];
    if (value === undefined) throw new Error(`cannot sign header "${name}": it is not sent`);
    return `${name}:${value.trim()}\n`;
  });
  return [method.toUpperCase(), parsed.pathname || "/", canonicalQuery(parsed), lines.join(""), names.join(";"), bodyHash].join("\n");
}

/** Signature V4 over the exact body; returns `headers` plus x-date, x-content-sha256 and authorization. */
export async function signVolc(input: VolcSignInput): Promise<Record<string, string>> {
  const xDate = volcDate(input.now);
  const shortDate = xDate.slice(0, 8);
  const bodyHash = await sha256Hex(input.body);
  const headers = { ...input.headers, "x-date": xDate, "x-content-sha256": bodyHash };
  const signed = (input.signedHeaders ?? DEFAULT_SIGNED_HEADERS).map((n) => n.toLowerCase()).sort();
  const canonical = volcCanonicalRequest(input.method, input.url, headers, signed, bodyHash);
  const scope = `${shortDate}/${VOLC_REGION}/${VOLC_SERVICE}/request`;
  const stringToSign = `HMAC-SHA256\n${xDate}\n${scope}\n${await sha256Hex(canonical)}`;
  // The SK is the first HMAC key as it is: no "AWS4"-style prefix.
  let key = await hmacSha256(input.secretAccessKey, shortDate);
  for (const part of [VOLC_REGION, VOLC_SERVICE, "request"]) key = await hmacSha256(key, part);
  const signature = toHex(await hmacSha256(key, stringToSign));
  return {
    ...headers,
    authorization: `HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`,
  };
}
