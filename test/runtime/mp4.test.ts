import { describe, expect, it } from "vitest";
import moovAtEndUri from "../../simulator/assets/moov-at-end.mp4?inline";
// Workers tests cannot read the filesystem: Vite inlines the fixtures as base64 data URIs.
import sampleUri from "../../simulator/assets/sample.mp4?inline";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { inspectMp4, Mp4Error, type VideoInfo } from "../../src/media/mp4.ts";

const bytesOf = (dataUri: string) => Uint8Array.fromBase64(dataUri.slice(dataUri.indexOf(",") + 1));
const sample = bytesOf(sampleUri);
const moovAtEnd = bytesOf(moovAtEndUri);
const expected: VideoInfo = SAMPLE_VIDEO.ffprobe;

function* split(bytes: Uint8Array, size: () => number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const n = size();
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Deterministic chunk sizes between 1 and max, so a failure can be replayed. */
function randomSizes(seed: number, max: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 1 + (seed % max);
  };
}

function streamOf(chunks: Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.iterator]();
  return new ReadableStream({
    pull(controller) {
      const next = it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}

async function inspect(chunks: Iterable<Uint8Array>): Promise<{ info: VideoInfo; out: Uint8Array }> {
  const { stream, info } = inspectMp4();
  const out = await new Response(streamOf(chunks).pipeThrough(stream)).bytes();
  return { info: await info, out };
}

function box(type: string, payload: Uint8Array | number = 0): Uint8Array {
  const body = typeof payload === "number" ? new Uint8Array(payload) : payload;
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  return out;
}

function withSize(bytes: Uint8Array, size: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, size);
  return bytes;
}

/** The top-level boxes of a fixture, by type. */
function topLevel(bytes: Uint8Array): Record<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Record<string, Uint8Array> = {};
  for (let at = 0; at < bytes.length; at += dv.getUint32(at)) {
    boxes[new TextDecoder().decode(bytes.subarray(at + 4, at + 8))] = bytes.subarray(at, at + dv.getUint32(at));
  }
  return boxes;
}

const { ftyp, moov, mdat } = topLevel(sample) as Record<"ftyp" | "moov" | "mdat", Uint8Array>;

describe("inspectMp4", () => {
  it.each([
    ["moov before mdat", sample],
    ["moov after mdat", moovAtEnd],
  ])("reads %s and passes every byte through", async (_, file) => {
    const { info, out } = await inspect([file]);
    expect(info).toEqual(expected);
    expect(out).toEqual(file);
  });

  it.each([
    ["1-byte", () => 1],
    ["7-byte", () => 7],
    ["random 1..64", randomSizes(1, 64)],
    ["random 1..70000", randomSizes(2, 70_000)],
  ])(
    "is indifferent to %s chunks",
    async (_, size) => {
      for (const file of [sample, moovAtEnd]) {
        const { info, out } = await inspect(split(file, size));
        expect(info).toEqual(expected);
        expect(out).toEqual(file);
      }
    },
    60_000,
  ); // 1-byte chunks are ~400k trips through the streams machinery

  it("handles a 64-bit mdat larger than 4 GiB without holding it", async () => {
    const mdatSize = 5 * 2 ** 30;
    const header = new Uint8Array(16);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, 1); // size 1: the 64-bit largesize follows the type
    header.set(new TextEncoder().encode("mdat"), 4);
    dv.setBigUint64(8, BigInt(mdatSize));
    const zeros = new Uint8Array(16 * 2 ** 20); // the same chunk, enqueued again and again
    function* file() {
      yield ftyp;
      yield* split(header, () => 3);
      for (let left = mdatSize - 16; left > 0; left -= zeros.length) yield zeros.subarray(0, Math.min(left, zeros.length));
      yield moov;
    }
    const { stream, info } = inspectMp4();
    let seen = 0;
    await streamOf(file())
      .pipeThrough(stream)
      .pipeTo(new WritableStream({ write: (c) => void (seen += c.length) }));
    expect(await info).toEqual(expected);
    expect(seen).toBe(ftyp.length + mdatSize + moov.length);
  });

  // The sample with its final mdat's size set to 0 ("to the end of the file"), every other byte where it was.
  const sizeZero = () => {
    const bytes = sample.slice();
    withSize(bytes.subarray(bytes.length - mdat.length), 0);
    return bytes;
  };

  it("accepts a final size-0 box that runs to the end of the stream", async () => {
    const { info } = await inspect(split(sizeZero(), () => 1000));
    expect(info).toEqual(expected);
  });

  it("rejects a final size-0 box cut short: the moov's sample tables say where the media ends", async () => {
    const whole = sizeZero();
    await expect(inspect(split(whole.subarray(0, whole.length - 1000), () => 1000))).rejects.toMatchObject({ name: "Mp4Error", reason: "truncated" });
  });

  it("rejects an HTML page before passing any byte on", async () => {
    const html = new TextEncoder().encode("<!DOCTYPE html><html><body>Access denied</body></html>");
    const { stream, info } = inspectMp4();
    const out: Uint8Array[] = [];
    const piped = streamOf([html])
      .pipeThrough(stream)
      .pipeTo(new WritableStream({ write: (c) => void out.push(c) }));
    await expect(piped).rejects.toMatchObject({ name: "Mp4Error", reason: "not-mp4" });
    await expect(info).rejects.toBeInstanceOf(Mp4Error);
    expect(out).toEqual([]);
  });

  it.each([
    ["an empty body", new Uint8Array(0)],
    ["a body shorter than a box header", new Uint8Array([0, 0, 0])],
    ["a box other than ftyp first", concat(moov, ftyp, mdat)],
  ])("rejects %s as not an MP4", async (_, bytes) => {
    await expect(inspect([bytes])).rejects.toMatchObject({ reason: "not-mp4" });
  });

  it.each([
    ["inside mdat", sample.subarray(0, 100_000)],
    ["inside moov", moovAtEnd.subarray(0, moovAtEnd.length - 1)],
    ["inside a box header", sample.subarray(0, ftyp.length + 5)],
    ["at a box boundary before the moov", concat(ftyp, mdat)],
  ])("reports a body cut %s as truncated", async (_, bytes) => {
    await expect(inspect(split(bytes, () => 4096))).rejects.toMatchObject({ reason: "truncated" });
  });

  it.each([
    ["a box size below its header size", concat(ftyp, withSize(box("free"), 4), mdat)],
    ["a moov without a video track", concat(ftyp, box("moov", moov.subarray(8, 8 + 108)), mdat)],
    ["a moov over 16 MiB", concat(ftyp, box("moov", 16 * 2 ** 20 + 1))],
  ])("rejects %s as malformed", async (_, bytes) => {
    await expect(inspect(split(bytes, () => 65536))).rejects.toMatchObject({ reason: "malformed" });
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
