import { serveObject, videoCacheControl, videoHeaders } from "./delivery.ts";

/** Larger objects are not kept by Cloudflare's cache below the Enterprise plan. */
const MAX_CACHEABLE = 512 * 2 ** 20;
const FORWARDED = ["range", "if-none-match"];

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
  // Fill the cache from a second, independent R2 read: teeing the client's stream would buffer without bound
  // behind a slow client.
  if (response && response.status < 300) ctx.waitUntil(fill(cache, bucket, key, cacheUrl, lifetimes.edgeMaxAgeS));
  return response;
}

async function fill(cache: Cache, bucket: R2Bucket, key: string, cacheUrl: string, maxAgeS: number): Promise<void> {
  const object = await bucket.get(key);
  if (!object) return;
  const headers = videoHeaders(object, videoCacheControl("public", maxAgeS));
  headers.set("content-length", String(object.size));
  await cache.put(cacheUrl, new Response(object.body, { headers }));
}
