import { serveObject, videoCacheControl } from "./delivery.ts";

/** Larger objects are not kept by Cloudflare's cache below the Enterprise plan. */
const MAX_CACHEABLE = 512 * 2 ** 20;
const FORWARDED = ["range", "if-none-match"];
/** The cache URLs whose fill runs in this isolate. */
const filling = new Set<string>();

/** How long the answer may be cached: by the client (never past its URL's expiry), and here (never past the video's retention). */
export interface CacheLifetimes {
  clientMaxAgeS: number;
  edgeMaxAgeS: number;
}

/**
 * Serves a stored video through the data center's cache (Cache API). The cache key is the content path without
 * the signed query, so every holder of any valid URL shares one cached copy, while the signature is still checked
 * by the Worker before the cache is consulted (a cache in front of the Worker would serve hits unchecked).
 * The cache answers Range and If-None-Match itself from its stored 200.
 */
export async function serveThroughCache(
  ctx: { waitUntil(promise: Promise<unknown>): void },
  bucket: R2Bucket,
  key: string,
  size: number,
  request: Request,
  cacheUrl: string,
  lifetimes: CacheLifetimes,
): Promise<Response | null> {
  const clientCacheControl = videoCacheControl("public", lifetimes.clientMaxAgeS);
  // HEAD and If-Range (which the Cache API does not evaluate) go straight to R2.
  if (request.method !== "GET" || request.headers.has("if-range") || size > MAX_CACHEABLE) return serveObject(bucket, key, request, clientCacheControl);
  const cache = caches.default;
  const lookup = new Headers();
  for (const name of FORWARDED) {
    const value = request.headers.get(name);
    if (value !== null) lookup.set(name, value);
  }
  const hit = await cache.match(new Request(cacheUrl, { headers: lookup }));
  // The cache answers an unsatisfiable range with a bare 416; R2's path gives it the error body.
  if (hit && hit.status !== 416) {
    const response = new Response(hit.body, hit); // cached responses have immutable headers; middleware adds some
    response.headers.set("cache-control", clientCacheControl);
    return response;
  }
  const response = await serveObject(bucket, key, request, clientCacheControl);
  // Only the first miss of this isolate fills; the misses meanwhile are served from R2 alone.
  if (!response?.body || response.status >= 300 || filling.has(cacheUrl)) return response;
  filling.add(cacheUrl);
  const settle = (work: Promise<void>) => ctx.waitUntil(work.finally(() => filling.delete(cacheUrl)));
  const edgeHeaders = new Headers(response.headers);
  edgeHeaders.set("cache-control", videoCacheControl("public", lifetimes.edgeMaxAgeS));
  edgeHeaders.set("content-length", String(size));
  edgeHeaders.delete("content-range");
  if (!wholeObject(response, size)) {
    // A part of the video was asked for: the cache is filled by its own read of the whole object.
    settle(fill(cache, bucket, key, cacheUrl, edgeHeaders));
    return response;
  }
  // The client's read of the whole object also fills the cache: R2 is read once.
  const { first: toClient, second: toCache, done } = split(response.body, size);
  settle(Promise.all([done, cache.put(cacheUrl, new Response(toCache, { headers: edgeHeaders })).catch(() => {})]).then(() => {}));
  return new Response(toClient, response);
}

/** A 200, or a 206 whose range is the whole object (`bytes=0-`, as video players send). */
function wholeObject(response: Response, size: number): boolean {
  return response.status === 200 || response.headers.get("content-range") === `bytes 0-${size - 1}/${size}`;
}

async function fill(cache: Cache, bucket: R2Bucket, key: string, cacheUrl: string, headers: Headers): Promise<void> {
  const object = await bucket.get(key);
  if (object) await cache.put(cacheUrl, new Response(object.body, { headers }));
}

/**
 * One stream read into two, at the pace of the slower reader: each chunk goes to both before the next is read, so a
 * slow client holds the fill back instead of the video piling up in memory (ReadableStream.tee() buffers the faster
 * side's lead without bound). When one reader goes away (a client that hangs up) the other still gets every byte.
 */
export function split(body: ReadableStream<Uint8Array>, length: number): { first: ReadableStream; second: ReadableStream; done: Promise<void> } {
  const branches = [new FixedLengthStream(length), new FixedLengthStream(length)];
  const writers = branches.map((b) => b.writable.getWriter());
  const alive = [true, true];
  const pump = async () => {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // The second branch gets its own copy: a runtime may take over a written buffer.
        const chunks = [value, value.slice()];
        await Promise.all(
          writers.map((writer, i) =>
            alive[i]
              ? writer.write(chunks[i]!).catch(() => {
                  alive[i] = false;
                })
              : undefined,
          ),
        );
        if (!alive.some(Boolean)) return reader.cancel();
      }
      await Promise.all(writers.map((writer, i) => (alive[i] ? writer.close().catch(() => {}) : undefined)));
    } catch (err) {
      await Promise.all(writers.map((writer) => writer.abort(err).catch(() => {})));
    }
  };
  return { first: branches[0]!.readable, second: branches[1]!.readable, done: pump() };
}
