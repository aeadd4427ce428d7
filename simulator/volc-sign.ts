// Server side of Volcengine Signature V4 (vendor-protocols.md §2.6): recompute the signature over the
// headers the client says it signed and the exact body bytes, as the Volcengine API gateway does.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const VOLC_REGION = "cn-north-1";
export const VOLC_SERVICE = "cv";
/** Allowed |now − X-Date|; Volcengine does not document it, 15 minutes is the common SigV4 window. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface VolcRequest {
  method: string;
  path: string;
  /** Query as received, without "?". */
  rawQuery: string;
  /** Lower-case header names (node:http's IncomingHttpHeaders qualifies). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VolcCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The gateway's error: HTTP status, string Code and numeric CodeN of the ResponseMetadata envelope. */
export interface VolcAuthError {
  status: number;
  code: string;
  codeN: number;
  message: string;
}

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function canonicalQuery(rawQuery: string): string {
  return rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const i = p.indexOf("=");
      return [rfc3986(decode(i < 0 ? p : p.slice(0, i))), rfc3986(decode(i < 0 ? "" : p.slice(i + 1)))] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

const headerValue = (headers: VolcRequest["headers"], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

export function canonicalRequest(req: VolcRequest, signedHeaders: readonly string[], bodyHash: string): string {
  const path =
    req.path
      .split("/")
      .map((seg) => rfc3986(decode(seg)))
      .join("/") || "/";
  const lines = signedHeaders.map((h) => `${h}:${(headerValue(req.headers, h) ?? "").trim()}\n`).join("");
  return [req.method.toUpperCase(), path, canonicalQuery(req.rawQuery), lines, signedHeaders.join(";"), bodyHash].join("\n");
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

function volcSignature(secretAccessKey: string, xDate: string, canonical: string): string {
  const shortDate = xDate.slice(0, 8);
  const scope = `${shortDate}/${VOLC_REGION}/${VOLC_SERVICE}/request`;
  const stringToSign = `HMAC-SHA256\n${xDate}\n${scope}\n${sha256Hex(canonical)}`;
  const key = hmac(hmac(hmac(hmac(secretAccessKey, shortDate), VOLC_REGION), VOLC_SERVICE), "request");
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

function xDateToMs(xDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(xDate);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** null when the request is properly signed by the given credentials. */
export function verifyVolcRequest(req: VolcRequest, creds: VolcCredentials, now: Date = new Date()): VolcAuthError | null {
  const auth = headerValue(req.headers, "authorization");
  const e = (status: number, code: string, codeN: number, message: string): VolcAuthError => ({ status, code, codeN, message });
  const mismatch = (why: string) =>
    e(
      401,
      "SignatureDoesNotMatch",
      100010,
      `The request signature we calculated does not match the signature you provided. Check your Secret Access Key and signing method. (${why})`,
    );
  if (!auth || auth.trim() === "") return e(401, "MissingAuthenticationToken", 100003, "Request is missing Authentication Token.");
  const m = /^HMAC-SHA256\s+(.+)$/.exec(auth.trim());
  const params = new Map<string, string>();
  for (const part of (m?.[1] ?? "").split(",")) {
    const i = part.indexOf("=");
    if (i > 0) params.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = params.get("Credential");
  const signedList = params.get("SignedHeaders");
  if (!m || !credential || !signedList) return e(401, "MissingAuthenticationToken", 100003, "Request is missing Authentication Token.");
  const signature = params.get("Signature");
  if (!signature) return e(401, "MissingSignature", 100005, "The request is missing signature.");

  const [ak, scopeDate, region, service, terminator, ...rest] = credential.split("/");
  if (!ak || rest.length > 0) return e(401, "MissingAuthenticationToken", 100003, "Request is missing Authentication Token.");
  if (ak !== creds.accessKeyId) return e(401, "InvalidAccessKey", 100009, `The accesskey [${ak}] included in the request is invalid.`);

  const xDate = headerValue(req.headers, "x-date");
  if (!xDate) return e(400, "MissingRequestInfo", 100004, "The request is missing X-Date information.");
  const t = xDateToMs(xDate);
  if (Number.isNaN(t) || Math.abs(now.getTime() - t) > MAX_SKEW_MS) {
    return e(400, "InvalidTimestamp", 100006, "The Signature of the request is expired.");
  }
  if (scopeDate !== xDate.slice(0, 8) || region !== VOLC_REGION || service !== VOLC_SERVICE || terminator !== "request") {
    return mismatch(`credential scope must be ${xDate.slice(0, 8)}/${VOLC_REGION}/${VOLC_SERVICE}/request`);
  }
  const signed = signedList.split(";").map((h) => h.trim().toLowerCase());
  if (!signed.includes("x-date")) return mismatch("x-date must be a signed header");
  const absent = signed.find((h) => headerValue(req.headers, h) === undefined);
  if (absent) return mismatch(`signed header ${absent} is not in the request`);

  const bodyHash = sha256Hex(req.body);
  const declared = headerValue(req.headers, "x-content-sha256");
  if (declared !== undefined && declared.trim() !== bodyHash) return mismatch("X-Content-Sha256 does not match the request body");

  const want = Buffer.from(volcSignature(creds.secretAccessKey, xDate, canonicalRequest(req, signed, bodyHash)));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return mismatch("signature mismatch");
  return null;
}
