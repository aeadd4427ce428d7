import { serveObject, videoCacheControl, videoHeaders } from "./delivery.ts";

/** Larger objects are not kept by Cloudflare's cache below the Enterprise plan. */
const MAX_CACHEABLE = 512 * 2 ** 20;
const FORWARDED = ["range", "if-none-match"];

/** The fills running in this isolate, by cache URL: concurrent misses wait for the one fill. */
const fills = new Map<string, Promise<void>>();
/**
 * Caches in which a fill was not found right after it (the Cache API does nothing on workers.dev): this isolate then
 * serves from R2 alone instead of reading every video twice.
 */
const keepNothing = new WeakSet<Cache>();

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
 *
 * A miss copies the object from R2 into the cache (one read, at storage speed, whatever the client's pace) and then
 * answers from the cache like a hit: R2 is read once per fill, and concurrent misses share the fill. Teeing R2's
 * stream to the client and the cache instead would either buffer without bound behind a slow client (tee()) or pass
 * every byte through JavaScript (a paced copy), which locally ran at under half of R2's own speed (bench/delivery.ts).
 */
export async function serveThroughCache(
  ctx: { waitUntil(promise: Promise<unknown>): void },
  bucket: R2Bucket,
  key: string,
  size: number,
  request: Request,
  cacheUrl: string,
  lifetimes: CacheLifetimes,
  cache: Cache = caches.default,
): Promise<Response | null> {
  const clientCacheControl = videoCacheControl("public", lifetimes.clientMaxAgeS);
  // HEAD and If-Range (which the Cache API does not evaluate) go straight to R2.
  if (request.method !== "GET" || request.headers.has("if-range") || size > MAX_CACHEABLE || keepNothing.has(cache)) {
    return serveObject(bucket, key, request, clientCacheControl);
  }
  const lookup = new Headers();
  for (const name of FORWARDED) {
    const value = request.headers.get(name);
    if (value !== null) lookup.set(name, value);
  }
  const match = () => cache.match(new Request(cacheUrl, { headers: lookup }));
  let hit = await match();
  if (!hit) {
    const filled = await fillOnce(ctx, cache, bucket, key, cacheUrl, lifetimes.edgeMaxAgeS);
    hit = filled ? await match() : undefined;
    if (filled && !hit) keepNothing.add(cache);
  }
  // The cache answers an unsatisfiable range with a bare 416; R2's path gives it the error body.
  if (hit && hit.status !== 416) {
    const response = new Response(hit.body, hit); // cached responses have immutable headers; middleware adds some
    response.headers.set("cache-control", clientCacheControl);
    return response;
  }
  return serveObject(bucket, key, request, clientCacheControl);
}

/** Copies the object into the cache, once per isolate at a time; false when it could not (then R2 answers). */
async function fillOnce(
  ctx: { waitUntil(promise: Promise<unknown>): void },
  cache: Cache,
  bucket: R2Bucket,
  key: string,
  cacheUrl: string,
  maxAgeS: number,
): Promise<boolean> {
  let fill = fills.get(cacheUrl);
  if (!fill) {
    fill = fillFromR2(cache, bucket, key, cacheUrl, maxAgeS).finally(() => fills.delete(cacheUrl));
    fills.set(cacheUrl, fill);
    ctx.waitUntil(fill.catch(() => {})); // finishes even if this client goes away
  }
  return fill.then(
    () => true,
    (err: Error) => {
      console.error(`filling the cache with ${key} failed; serving from R2: ${err.message}`);
      return false;
    },
  );
}

async function fillFromR2(cache: Cache, bucket: R2Bucket, key: string, cacheUrl: string, maxAgeS: number): Promise<void> {
  const object = await bucket.get(key);
  if (!object) throw new Error("no such object");
  const headers = videoHeaders(object, videoCacheControl("public", maxAgeS));
  headers.set("content-length", String(object.size));
  await cache.put(cacheUrl, new Response(object.body, { headers }));
}
