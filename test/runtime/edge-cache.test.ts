import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { serveThroughCache } from "../../src/storage/edge-cache.ts";

const SIZE = 3 * 2 ** 20 + 123; // several chunks of any reader's size
const lifetimes = { clientMaxAgeS: 3600, edgeMaxAgeS: 3600 };

function bytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 10)) & 0xff;
  return out;
}

/** The real local bucket, counting the reads that return a body and how much of it they asked for ("whole": all). */
function countingBucket() {
  const reads: (number | "whole")[] = [];
  const bucket = new Proxy(env.VIDEOS, {
    get(target, name) {
      if (name === "get") {
        return (key: string, options?: R2GetOptions) => {
          const range = options?.range as { length?: number } | undefined;
          reads.push(range?.length === undefined || range.length === SIZE ? "whole" : range.length);
          return target.get(key, options);
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { bucket, reads };
}

/** Runs requests like the Worker does, and waits for what they left running (the cache fill) before returning. */
async function serve(bucket: R2Bucket, key: string, cacheUrl: string, headers: Record<string, string> = {}, cache?: Cache) {
  const pending: Promise<unknown>[] = [];
  const response = await serveThroughCache(
    { waitUntil: (p) => pending.push(p) },
    bucket,
    key,
    SIZE,
    new Request(cacheUrl, { headers }),
    cacheUrl,
    lifetimes,
    cache,
  );
  const body = new Uint8Array(await response!.arrayBuffer());
  await Promise.all(pending);
  return { response: response!, body };
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A video stored under `name`, the reads of it counted, and `get` to request it through the cache. */
async function storedVideo(name: string) {
  const key = `test/edge-cache/${name}.mp4`;
  const video = bytes(SIZE);
  await env.VIDEOS.put(key, video);
  const { bucket, reads } = countingBucket();
  const cacheUrl = `https://gateway.test/v1/video/generations/${name}/content`;
  return { video, reads, get: (headers: Record<string, string> = {}, cache?: Cache) => serve(bucket, key, cacheUrl, headers, cache) };
}

describe("the edge cache in front of R2", () => {
  it("fills the cache with one R2 read and answers the miss from it", async () => {
    const { video, reads, get } = await storedVideo("once");

    const miss = await get();
    expect(miss.response.status).toBe(200);
    expect(equal(miss.body, video)).toBe(true);
    expect(reads).toEqual(["whole"]);

    const hit = await get();
    expect(equal(hit.body, video)).toBe(true);
    const range = await get({ range: "bytes=100-199" });
    expect(range.response.status).toBe(206);
    expect(equal(range.body, video.subarray(100, 200))).toBe(true);
    expect(reads).toEqual(["whole"]); // both from the cache
  });

  it("treats a player's bytes=0- like a whole read: one R2 read, answered 206", async () => {
    const { video, reads, get } = await storedVideo("player");
    const miss = await get({ range: "bytes=0-" });
    expect(miss.response.status).toBe(206);
    expect(miss.response.headers.get("content-range")).toBe(`bytes 0-${SIZE - 1}/${SIZE}`);
    expect(equal(miss.body, video)).toBe(true);
    const hit = await get();
    expect(hit.response.status).toBe(200);
    expect(equal(hit.body, video)).toBe(true);
    expect(reads).toEqual(["whole"]);
  });

  it("starts one fill for concurrent misses, and answers them all from it", async () => {
    const { video, reads, get } = await storedVideo("concurrent");
    const answers = await Promise.all([1, 2, 3].map(() => get()));
    for (const { body } of answers) expect(equal(body, video)).toBe(true);
    expect(reads).toEqual(["whole"]); // the one fill; every client was answered from the cache
    const hit = await get();
    expect(equal(hit.body, video)).toBe(true);
    expect(reads).toHaveLength(1);
  });

  it("answers a part of the video from the filled cache too", async () => {
    const { video, reads, get } = await storedVideo("part");
    const part = await get({ range: "bytes=-1000" });
    expect(part.response.status).toBe(206);
    expect(equal(part.body, video.subarray(SIZE - 1000))).toBe(true);
    expect(reads).toEqual(["whole"]);
    const hit = await get();
    expect(equal(hit.body, video)).toBe(true);
    expect(reads).toHaveLength(1);
  });

  it("serves from R2 alone once the cache keeps nothing (the Cache API on workers.dev)", async () => {
    const { video, reads, get } = await storedVideo("inert");
    // Cloudflare's documented behaviour there: put() succeeds and match() never finds anything.
    const inert = { match: async () => undefined, put: async (_: RequestInfo, r: Response) => void (await r.arrayBuffer()) } as unknown as Cache;
    for (let i = 0; i < 3; i++) expect(equal((await get({}, inert)).body, video)).toBe(true);
    expect(reads).toEqual(["whole", "whole", "whole", "whole"]); // one wasted fill, then one read per request
  });
});
