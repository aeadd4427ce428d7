/** Serving stored videos: HEAD, single byte ranges (RFC 9110), ETag / If-None-Match / If-Range, bounded caching. */
import type { ErrorBody } from "../lib/errors.ts";

export type ByteRange = { offset: number; length: number };

/**
 * `bytes=a-b`, `bytes=a-` or `bytes=-n` against a size; "unsatisfiable" → 416; null → serve the whole file, which is
 * also the answer to a Range the server ignores (RFC 9110 §14.2: absent, multi-range, or invalid such as `bytes=5-3`).
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const first = Number(match[1]);
  if (match[2] !== "" && Number(match[2]) < first) return null; // an invalid range is ignored, not refused
  if (first >= size) return "unsatisfiable";
  const last = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  return { offset: first, length: last - first + 1 };
}

/** If-None-Match: the weak comparison (RFC 9110 §8.8.3.2). */
function noneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === bare;
  });
}

/** If-Range: the strong comparison (RFC 9110 §13.1.5): a weak tag never matches; a date must equal Last-Modified. */
function ifRangeHolds(header: string, etag: string, lastModified: string): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return !value.startsWith("W/") && !etag.startsWith("W/") && value === etag;
  return value === lastModified;
}

/** How a stored video may be cached: `public` behind a signed URL, `private` with an API key; never past `maxAgeS`. */
export function videoCacheControl(scope: "public" | "private", maxAgeS: number): string {
  return `${scope}, max-age=${Math.max(0, Math.floor(maxAgeS))}, immutable`;
}

/** The headers of a stored video, for a full answer and for the copy kept in the edge cache. */
export function videoHeaders(object: R2Object, cacheControl: string): Headers {
  return new Headers({
    "content-type": "video/mp4",
    "accept-ranges": "bytes",
    etag: object.httpEtag,
    "cache-control": cacheControl,
    "last-modified": object.uploaded.toUTCString(),
  });
}

const unsatisfiable = (size: number): ErrorBody => ({
  code: "range_not_satisfiable",
  message: `The Range starts beyond the video's ${size} bytes; ask for bytes 0 to ${size - 1}.`,
  param: "Range",
  type: "invalid_request_error",
});

/** Answers a GET or HEAD for the object at `key`; null when there is no such object. */
export async function serveObject(bucket: R2Bucket, key: string, request: Request, cacheControl: string): Promise<Response | null> {
  const head = await bucket.head(key);
  if (!head) return null;
  const headers = videoHeaders(head, cacheControl);
  if (noneMatch(request.headers.get("if-none-match"), head.httpEtag)) return new Response(null, { status: 304, headers });

  const ifRange = request.headers.get("if-range");
  const rangeHeader = ifRange && !ifRangeHolds(ifRange, head.httpEtag, headers.get("last-modified")!) ? null : request.headers.get("range");
  const range = parseRange(rangeHeader, head.size);
  if (range === "unsatisfiable") {
    headers.set("content-range", `bytes */${head.size}`);
    headers.set("content-type", "application/json");
    headers.delete("cache-control");
    return Response.json(unsatisfiable(head.size), { status: 416, headers });
  }
  const status = range ? 206 : 200;
  const length = range ? range.length : head.size;
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
  if (request.method === "HEAD") return new Response(null, { status, headers });

  const object = await bucket.get(key, range ? { range } : undefined);
  if (!object) return null;
  return new Response(object.body, { status, headers });
}
