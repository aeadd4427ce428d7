import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import moovAtEndUri from "../../simulator/assets/moov-at-end.mp4?inline";
// Workers tests cannot read the filesystem: Vite inlines the fixtures as base64 data URIs.
import sampleUri from "../../simulator/assets/sample.mp4?inline";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import type { Env } from "../../src/env.ts";
import { IngestError, ingestVideo, storedVideo } from "../../src/storage/ingest.ts";
import { R2_LAYOUT } from "../../src/storage/layout.ts";

const videos = (env as Env).VIDEOS;
const bytesOf = (dataUri: string) => Uint8Array.fromBase64(dataUri.slice(dataUri.indexOf(",") + 1));
const sample = bytesOf(sampleUri);
const moovAtEnd = bytesOf(moovAtEndUri);
const MiB = 2 ** 20;
const facts = SAMPLE_VIDEO.ffprobe;
const STAGING_PREFIX = R2_LAYOUT.staging.prefix;

/** The fixture's moov behind a zero-filled mdat of `mdatBytes`: a valid MP4 as far as the inspector goes. */
function bigMp4(mdatBytes: number): Uint8Array {
  const ftyp = moovAtEnd.subarray(0, 32);
  const moov = moovAtEnd.subarray(202622);
  const out = new Uint8Array(ftyp.length + 8 + mdatBytes + moov.length);
  out.set(ftyp);
  new DataView(out.buffer).setUint32(ftyp.length, 8 + mdatBytes);
  out.set(new TextEncoder().encode("mdat"), ftyp.length + 4);
  out.set(moov, out.length - moov.length);
  return out;
}

/** A body without a known length, delivered in chunks of varying size. */
function chunked(bytes: Uint8Array, { maxChunk = 100_000, failAt = Infinity } = {}): ReadableStream<Uint8Array> {
  let at = 0;
  let seed = 7;
  return new ReadableStream({
    pull(controller) {
      if (at >= failAt) return controller.error(new TypeError("Network connection lost."));
      if (at >= bytes.length) return controller.close();
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (seed % maxChunk);
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

const withLength = (body: ReadableStream<Uint8Array>, length: number, headers: Record<string, string> = {}) =>
  new Response(body, { headers: { "content-length": String(length), ...headers } });

const slug = (name: string) => name.replaceAll(" ", "-");

const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();

async function stored(key: string): Promise<Uint8Array> {
  const object = await videos.get(key);
  return new Uint8Array(await object!.arrayBuffer());
}

async function expectNothingStored(key: string) {
  expect(await videos.head(key)).toBeNull();
  expect((await videos.list({ prefix: STAGING_PREFIX })).objects).toEqual([]);
}

/** Records the byte length of every multipart part uploaded through the bucket. */
function recordingParts(bucket: R2Bucket): { bucket: R2Bucket; parts: number[] } {
  const parts: number[] = [];
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop);
    return typeof value === "function" ? value.bind(target) : value;
  };
  const proxy = new Proxy(bucket, {
    get: (target, prop) =>
      prop !== "createMultipartUpload"
        ? bound(target, prop)
        : async (...args: Parameters<R2Bucket["createMultipartUpload"]>) =>
            new Proxy(await target.createMultipartUpload(...args), {
              get: (upload, p) =>
                p !== "uploadPart"
                  ? bound(upload, p)
                  : (n: number, body: Uint8Array) => {
                      parts.push(body.byteLength);
                      return upload.uploadPart(n, body);
                    },
            }),
  });
  return { bucket: proxy, parts };
}

describe("ingestVideo", () => {
  it.each([
    ["moov before mdat", sample],
    ["moov after mdat", moovAtEnd],
  ])("stores a %s body with a known length in one put", async (name, file) => {
    const key = `videos/known-${slug(name)}.mp4`;
    const video = await ingestVideo(videos, key, withLength(chunked(file), file.length));

    const head = await videos.head(key);
    expect(video).toEqual({ key, size: file.length, etag: head!.etag, sha256: await sha256(file), ...facts });
    expect(await stored(key)).toEqual(file);
    expect(head!.httpMetadata?.contentType).toBe("video/mp4");
    expect(head!.customMetadata).toEqual({ sha256: video.sha256, ...Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, String(v)])) });
    expect((await videos.list({ prefix: STAGING_PREFIX })).objects).toEqual([]);
  });

  it("streams a body of unknown length as equal 8 MiB multipart parts", async () => {
    const file = bigMp4(12 * MiB);
    const { bucket, parts } = recordingParts(videos);
    const video = await ingestVideo(bucket, "videos/chunked.mp4", new Response(chunked(file, { maxChunk: MiB })));

    expect(parts).toEqual([8 * MiB, file.length - 8 * MiB]);
    expect(video).toMatchObject({ size: file.length, sha256: await sha256(file), ...facts });
    expect(await storedVideo(videos, "videos/chunked.mp4")).toEqual(video);
    expect(await sha256(await stored("videos/chunked.mp4"))).toBe(video.sha256);
  });

  it("stores a short body of unknown length with a plain put", async () => {
    const { bucket, parts } = recordingParts(videos);
    const video = await ingestVideo(bucket, "videos/short-chunked.mp4", new Response(chunked(sample)));
    expect(parts).toEqual([]);
    expect(video).toMatchObject({ size: sample.length, sha256: await sha256(sample), ...facts });
  });

  it("ignores Content-Length under Content-Encoding (fetch has decoded the body)", async () => {
    const response = withLength(chunked(sample), 1000, { "content-encoding": "gzip" });
    const video = await ingestVideo(videos, "videos/encoded.mp4", response);
    expect(video.size).toBe(sample.length);
  });

  it.each([
    ["shorter than", sample.length + 10],
    ["longer than", sample.length - 10],
  ])("fails retryably when the body is %s its Content-Length", async (name, length) => {
    const key = `videos/mismatch-${slug(name)}.mp4`;
    const error = await ingestVideo(videos, key, withLength(chunked(sample), length)).catch((e) => e);
    expect(error).toBeInstanceOf(IngestError);
    expect(error.retryable).toBe(true);
    await expectNothingStored(key);
  });

  it.each([
    ["with a known length", (b: Uint8Array) => withLength(chunked(b), b.length)],
    ["without a known length", (b: Uint8Array) => new Response(chunked(b))],
  ])("fails retryably on a truncated body %s", async (name, respond) => {
    const key = `videos/truncated-${slug(name)}.mp4`;
    const cut = sample.subarray(0, 150_000);
    await expect(ingestVideo(videos, key, respond(cut))).rejects.toMatchObject({ retryable: true });
    await expectNothingStored(key);
  });

  it("aborts the multipart upload when the body breaks after a part was uploaded", async () => {
    const file = bigMp4(12 * MiB);
    const { bucket, parts } = recordingParts(videos);
    const response = new Response(chunked(file, { maxChunk: MiB, failAt: 10 * MiB }));
    await expect(ingestVideo(bucket, "videos/broken.mp4", response)).rejects.toMatchObject({ retryable: true });
    expect(parts).toEqual([8 * MiB]);
    await expectNothingStored("videos/broken.mp4");
  });

  it("rejects an HTML page for good and stores nothing", async () => {
    const html = new TextEncoder().encode(`<!DOCTYPE html><html><body>${"x".repeat(5000)}</body></html>`);
    for (const response of [withLength(chunked(html), html.length), new Response(chunked(html))]) {
      const error = await ingestVideo(videos, "videos/html.mp4", response).catch((e) => e);
      expect(error).toMatchObject({ name: "IngestError", retryable: false, message: expect.stringContaining("not an MP4") });
      await expectNothingStored("videos/html.mp4");
    }
  });

  it("rejects an MP4 without a video track for good", async () => {
    const audioOnly = sample.slice();
    audioOnly.set(new TextEncoder().encode("soun"), 324 + 16); // the track's hdlr handler_type
    await expect(ingestVideo(videos, "videos/audio.mp4", new Response(chunked(audioOnly)))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining("no video track"),
    });
    await expectNothingStored("videos/audio.mp4");
  });
});

describe("storedVideo", () => {
  it("returns null until an ingest has finished, then the same StoredVideo every time", async () => {
    const key = "videos/idempotent.mp4";
    expect(await storedVideo(videos, key)).toBeNull();
    const video = await ingestVideo(videos, key, withLength(chunked(sample), sample.length));
    expect(await storedVideo(videos, key)).toEqual(video);
    expect(await storedVideo(videos, key)).toEqual(video);
  });

  it("does not mistake an object written by something else for an ingested video", async () => {
    await videos.put("videos/foreign.mp4", sample, { customMetadata: { duration: "5" } });
    expect(await storedVideo(videos, "videos/foreign.mp4")).toBeNull();
  });
});
