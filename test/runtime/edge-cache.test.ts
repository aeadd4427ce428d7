import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { serveThroughCache, split } from "../../src/storage/edge-cache.ts";

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
async function serve(bucket: R2Bucket, key: string, cacheUrl: string, headers: Record<string, string> = {}) {
  const pending: Promise<unknown>[] = [];
  const response = await serveThroughCache({ waitUntil: (p) => pending.push(p) }, bucket, key, SIZE, new Request(cacheUrl, { headers }), cacheUrl, lifetimes);
  const body = new Uint8Array(await response!.arrayBuffer());
  await Promise.all(pending);
  return { response: response!, body };
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe("the edge cache in front of R2", () => {
  it("fills the cache from the client's own read: a miss reads the object from R2 once", async () => {
    const key = "test/edge-cache/once.mp4";
    const video = bytes(SIZE);
    await env.VIDEOS.put(key, video);
    const { bucket, reads } = countingBucket();
    const cacheUrl = "https://gateway.test/v1/video/generations/once/content";

    const miss = await serve(bucket, key, cacheUrl);
    expect(miss.response.status).toBe(200);
    expect(equal(miss.body, video)).toBe(true);
    expect(reads).toEqual(["whole"]);

    const hit = await serve(bucket, key, cacheUrl);
    expect(equal(hit.body, video)).toBe(true);
    const range = await serve(bucket, key, cacheUrl, { range: "bytes=100-199" });
    expect(range.response.status).toBe(206);
    expect(equal(range.body, video.subarray(100, 200))).toBe(true);
    expect(reads).toEqual(["whole"]); // both from the cache
  });

  it("treats a player's bytes=0- like a whole read: one R2 read, answered 206", async () => {
    const key = "test/edge-cache/player.mp4";
    const video = bytes(SIZE);
    await env.VIDEOS.put(key, video);
    const { bucket, reads } = countingBucket();
    const cacheUrl = "https://gateway.test/v1/video/generations/player/content";
    const miss = await serve(bucket, key, cacheUrl, { range: "bytes=0-" });
    expect(miss.response.status).toBe(206);
    expect(miss.response.headers.get("content-range")).toBe(`bytes 0-${SIZE - 1}/${SIZE}`);
    expect(equal(miss.body, video)).toBe(true);
    const hit = await serve(bucket, key, cacheUrl);
    expect(hit.response.status).toBe(200);
    expect(equal(hit.body, video)).toBe(true);
    expect(reads).toEqual(["whole"]);
  });

  it("starts one fill for concurrent misses: the others are served from R2 alone", async () => {
    const key = "test/edge-cache/concurrent.mp4";
    const video = bytes(SIZE);
    await env.VIDEOS.put(key, video);
    const { bucket, reads } = countingBucket();
    const cacheUrl = "https://gateway.test/v1/video/generations/concurrent/content";
    const answers = await Promise.all([1, 2, 3].map(() => serve(bucket, key, cacheUrl)));
    for (const { body } of answers) expect(equal(body, video)).toBe(true);
    expect(reads).toEqual(["whole", "whole", "whole"]); // one per client, none of its own for the fill
    const hit = await serve(bucket, key, cacheUrl);
    expect(equal(hit.body, video)).toBe(true);
    expect(reads).toHaveLength(3);
  });

  it("fills the cache by its own read when only a part of the video was asked for", async () => {
    const key = "test/edge-cache/part.mp4";
    const video = bytes(SIZE);
    await env.VIDEOS.put(key, video);
    const { bucket, reads } = countingBucket();
    const cacheUrl = "https://gateway.test/v1/video/generations/part/content";
    const part = await serve(bucket, key, cacheUrl, { range: "bytes=-1000" });
    expect(equal(part.body, video.subarray(SIZE - 1000))).toBe(true);
    expect(reads).toEqual([1000, "whole"]);
    const hit = await serve(bucket, key, cacheUrl);
    expect(equal(hit.body, video)).toBe(true);
    expect(reads).toHaveLength(2);
  });
});

describe("split", () => {
  const source = (chunks: number, size: number) => {
    let sent = 0;
    return {
      sent: () => sent,
      stream: new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === chunks) return controller.close();
          controller.enqueue(new Uint8Array(size).fill(sent++ & 0xff));
        },
      }),
    };
  };

  it("goes at the slower reader's pace: an unread branch holds the other back", async () => {
    const { stream, sent } = source(64, 64 * 1024);
    const { first, second } = split(stream, 64 * 64 * 1024);
    const reader = second.getReader();
    let total = (await reader.read()).value?.byteLength ?? 0;
    await new Promise((r) => setTimeout(r, 100));
    expect(sent()).toBeLessThanOrEqual(4); // not the 64 chunks a tee() would have read ahead
    // The first reader hangs up: the second still gets every byte.
    await first.cancel();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
    }
    expect(total).toBe(64 * 64 * 1024);
  });

  it("gives both branches the same bytes", async () => {
    const { stream } = source(10, 100_000);
    const { first, second, done } = split(stream, 10 * 100_000);
    const [a, b] = await Promise.all([new Response(first).arrayBuffer(), new Response(second).arrayBuffer(), done]);
    expect(a.byteLength).toBe(1_000_000);
    expect(equal(new Uint8Array(a), new Uint8Array(b))).toBe(true);
  });
});
