// Synthetic large MP4s (`sizeBytes`): exact size, the sample's moov and frames where its chunk offsets point, ranges,
// chunked, 64-bit mdat past 4 GiB, and constant memory while streaming. (That the gateway's inspector and a real
// browser accept them is shown end to end by test/e2e/browser.e2e.test.ts.)
import { describe, expect, it } from "vitest";
import { control, download, finishedKlingVideo, MOOV_AT_END, SAMPLE, useSimulator } from "./helpers.ts";

const sim = useSimulator(100);

const MiB = 2 ** 20;

/** Top-level boxes as `type:size` (64-bit sizes resolved). */
function boxes(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    let size = bytes.readUInt32BE(at);
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    out.push(`${bytes.toString("latin1", at + 4, at + 8)}:${size}`);
    at += size;
  }
  return out;
}

describe("synthetic videos (sizeBytes)", () => {
  it("validates sizeBytes globally and per task", async () => {
    for (const bad of [1000, SAMPLE.length - 1, 6.5 * MiB + 0.5, "6MiB", -1]) {
      const answer = await control(sim, "PUT", "/config", { sizeBytes: bad });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe(`sizeBytes must be null or an integer >= ${SAMPLE.length}`);
    }
    expect((await control(sim, "PUT", "/config", { sizeBytes: 6 * MiB })).body).toMatchObject({ sizeBytes: 6 * MiB });
    expect((await control(sim, "PUT", "/config", { sizeBytes: null })).body).toMatchObject({ sizeBytes: null });
    const { id } = await finishedKlingVideo(sim);
    expect((await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: 12 })).status).toBe(400);
    expect((await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: 7 * MiB })).body.files).toEqual({ sizeBytes: 7 * MiB });
  });

  it("faststart by default: exactly sizeBytes, the sample's boxes with a bigger mdat", async () => {
    const size = 6 * MiB + 3;
    await control(sim, "PUT", "/config", { sizeBytes: size });
    const file = await download((await finishedKlingVideo(sim)).url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-length")).toBe(String(size));
    expect(file.bytes.length).toBe(size);
    expect(boxes(file.bytes)).toEqual(["ftyp:32", "moov:2246", "free:8", `mdat:${size - 2286}`]);
    // Everything up to the end of the sample's frames is the sample, but for mdat's size field.
    const expected = Buffer.from(SAMPLE);
    expected.writeUInt32BE(size - 2286, 2286);
    expect(file.bytes.subarray(0, SAMPLE.length).equals(expected)).toBe(true);
  });

  it("moov-at-end, chunked, per task: no Content-Length, the sample's frames where stco points, its moov last", async () => {
    const size = 9 * MiB + 1;
    const { id, url } = await finishedKlingVideo(sim);
    await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: size, video: "moov-at-end", chunked: true });
    const file = await download(url);
    expect(file.headers.get("content-length")).toBeNull();
    expect(file.headers.get("transfer-encoding")).toBe("chunked");
    expect(file.bytes.length).toBe(size);
    expect(boxes(file.bytes)).toEqual(["ftyp:32", "free:8", `mdat:${size - 40 - 2246}`, "moov:2246"]);
    const frames = MOOV_AT_END.length - 2246; // ftyp, free, mdat with the frames
    expect(file.bytes.subarray(48, frames).equals(MOOV_AT_END.subarray(48, frames))).toBe(true);
    expect(file.bytes.subarray(size - 2246).equals(MOOV_AT_END.subarray(frames))).toBe(true);
  });

  it("serves any range of the same bytes, across the frames/filler/moov seams", async () => {
    const size = 3 * MiB + 12345;
    const { id, url } = await finishedKlingVideo(sim);
    await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: size, video: "moov-at-end" });
    const whole = (await download(url)).bytes;
    expect(whole.length).toBe(size);
    const frameEnd = MOOV_AT_END.length - 2246;
    for (const [first, last] of [
      [0, 99],
      [frameEnd - 10, frameEnd + 10],
      [frameEnd + 256 * 1024 - 5, frameEnd + 3 * 256 * 1024 + 7],
      [size - 2300, size - 1],
    ] as const) {
      const part = await download(url, { headers: { Range: `bytes=${first}-${last}` } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes ${first}-${last}/${size}`);
      expect(part.bytes.equals(whole.subarray(first, last + 1))).toBe(true);
    }
    const tail = await download(url, { headers: { Range: "bytes=-2246" } });
    expect(tail.bytes.equals(MOOV_AT_END.subarray(frameEnd))).toBe(true);
    expect((await download(url, { headers: { Range: `bytes=${size}-` } })).status).toBe(416);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(size));
    // The same size again gives the same bytes (filler is a pure function of the offset).
    expect((await download(url)).bytes.equals(whole)).toBe(true);
  });

  it("past 4 GiB mdat gets a 64-bit size in place of the free box, so the frames do not move", async () => {
    const size = 5 * 2 ** 30;
    const { id, url } = await finishedKlingVideo(sim);
    await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: size });
    const head = await download(url, { headers: { Range: `bytes=0-${SAMPLE.length - 1}` } });
    expect(head.headers.get("content-range")).toBe(`bytes 0-${SAMPLE.length - 1}/${size}`);
    expect(head.bytes.toString("latin1", 2278 + 4, 2278 + 8)).toBe("mdat");
    expect(head.bytes.readUInt32BE(2278)).toBe(1);
    expect(Number(head.bytes.readBigUInt64BE(2278 + 8))).toBe(size - 2278);
    expect(head.bytes.subarray(2294).equals(SAMPLE.subarray(2294))).toBe(true);
    await control(sim, "PUT", `/tasks/${id}/files`, { video: "moov-at-end" });
    const start = await download(url, { headers: { Range: "bytes=0-47" } });
    expect(boxes(start.bytes.subarray(0, 32))).toEqual(["ftyp:32"]);
    expect([start.bytes.readUInt32BE(32), start.bytes.toString("latin1", 36, 40)]).toEqual([1, "mdat"]);
    expect(Number(start.bytes.readBigUInt64BE(40))).toBe(size - 32 - 2246);
    const moov = await download(url, { headers: { Range: "bytes=-2246" } });
    expect(moov.bytes.equals(MOOV_AT_END.subarray(MOOV_AT_END.length - 2246))).toBe(true);
  });

  it("truncated: announces sizeBytes and drops the connection midway", async () => {
    const { id, url } = await finishedKlingVideo(sim);
    await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: 4 * MiB, video: "truncated" });
    const res = await fetch(url);
    expect(res.headers.get("content-length")).toBe(String(4 * MiB));
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it("streams 512 MiB in constant memory", async () => {
    const size = 512 * MiB;
    const { id, url } = await finishedKlingVideo(sim);
    await control(sim, "PUT", `/tasks/${id}/files`, { sizeBytes: size, chunked: true });
    const before = process.memoryUsage().rss;
    let peak = before;
    let received = 0;
    const reader = (await fetch(url)).body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      received += r.value.length;
      if ((received & (16 * MiB - 1)) < r.value.length) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(received).toBe(size);
    // Simulator and client share this process; a buffered file would add 512 MiB.
    expect((peak - before) / MiB).toBeLessThan(128);
  }, 60_000);
});
