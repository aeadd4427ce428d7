/** Serving stored videos: HEAD, single byte ranges (RFC 9110), ETag / If-None-Match / If-Range, immutable caching. */

export type ByteRange = { offset: number; length: number };

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` against a size; "unsatisfiable" → 416; null → serve the whole file. */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return null; // absent, multi-range or malformed: ignored
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const first = Number(match[1]);
  const last = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (first >= size || last < first) return "unsatisfiable";
  return { offset: first, length: last - first + 1 };
}

function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === bare;
  });
}

export const IMMUTABLE = "public, max-age=31536000, immutable";

/** The headers of a stored video, for a full answer and for the copy kept in the edge cache. */
export function videoHeaders(object: R2Object): Headers {
  return new Headers({
    "content-type": "video/mp4",
    "accept-ranges": "bytes",
    etag: object.httpEtag,
    "cache-control": IMMUTABLE,
    "last-modified": object.uploaded.toUTCString(),
  });
}

/** Answers a GET or HEAD for the object at `key`; null when there is no such object. */
export async function serveObject(bucket: R2Bucket, key: string, request: Request): Promise<Response | null> {
  const head = await bucket.head(key);
  if (!head) return null;
  const headers = videoHeaders(head);
  if (etagMatches(request.headers.get("if-none-match"), head.httpEtag)) return new Response(null, { status: 304, headers });

  const ifRange = request.headers.get("if-range");
  const rangeHeader = ifRange && !etagMatches(ifRange, head.httpEtag) ? null : request.headers.get("range");
  const range = parseRange(rangeHeader, head.size);
  if (range === "unsatisfiable") {
    headers.set("content-range", `bytes */${head.size}`);
    return new Response(null, { status: 416, headers });
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
