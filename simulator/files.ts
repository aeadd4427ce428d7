// The vendors' media CDN stand-in: serves the sample MP4 (or a deliberately bad variant) for finished tasks, or with
// `sizeBytes` a valid MP4 of any size built around the sample and streamed in constant memory.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Sim, Vendor } from "./core.ts";
import { effectiveFiles, protocol, urlSignature, VENDORS } from "./core.ts";
import { applyFault } from "./faults.ts";
import type { SimRequest } from "./http.ts";
import { header, sendRaw } from "./http.ts";

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));
const SAMPLE_MP4 = asset("sample.mp4");
const MOOV_AT_END_MP4 = asset("moov-at-end.mp4");
const COVER_JPG = asset("cover.jpg");
/** Duration of the sample as vendors report it (ffprobe format duration). */
export const SAMPLE_DURATION = "5.042";

const HTML_PAGE =
  "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>" +
  "<body><h1>404 Not Found</h1><p>The requested object does not exist or the link has expired.</p></body></html>\n";

/** Handles `/files/{vendor}/{taskId}.{mp4|jpg}`; returns false for other paths. */
export async function serveFile(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  const m = /^\/files\/([a-z]+)\/([^/]+)\.(mp4|jpg)$/.exec(req.url.pathname);
  if (!m) return false;
  const vendor = m[1] as Vendor;
  const task = sim.tasks.get(decodeURIComponent(m[2]!));
  if (!VENDORS.includes(vendor) || !task || task.vendor !== vendor || task.phase !== "succeeded") {
    sendRaw(res, 404, HTML_PAGE, "text/html; charset=utf-8");
    return true;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendRaw(res, 405, "method not allowed\n", "text/plain", { Allow: "GET, HEAD" });
    return true;
  }
  sim.stats[vendor].download++;
  const opts = effectiveFiles(sim, task);
  if (!urlStillValid(sim, req, opts.urlTtlMs !== null)) {
    sendRaw(res, 403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', "application/xml");
    return true;
  }
  if (await applyFault(sim, protocol(sim, vendor), "download", res)) return true;

  if (m[3] === "jpg") {
    sendBytes(req, res, COVER_JPG, "image/jpeg");
    return true;
  }
  if (opts.video !== "html" && opts.sizeBytes !== null) {
    const file = syntheticMp4(opts.sizeBytes, opts.video === "moov-at-end" ? "moov-at-end" : "faststart");
    if (opts.video === "truncated") await sendTruncatedSynthetic(req, res, file);
    else await sendSynthetic(req, res, file, { chunked: opts.chunked });
    return true;
  }
  switch (opts.video) {
    case "html":
      sendRaw(res, 200, HTML_PAGE, "text/html; charset=utf-8");
      return true;
    case "truncated":
      sendTruncated(req, res, SAMPLE_MP4);
      return true;
    default: {
      const sample = opts.video === "moov-at-end" ? MOOV_AT_END_MP4 : SAMPLE_MP4;
      const bytes = sim.config.uniqueFiles ? taggedMp4(sample, task.id) : sample;
      if (opts.chunked) sendChunked(req, res, bytes);
      else sendBytes(req, res, bytes, "video/mp4");
      return true;
    }
  }
}

/** The sample followed by a top-level `free` box naming the task: still a valid MP4, and this task's bytes alone. */
function taggedMp4(sample: Buffer, taskId: string): Buffer {
  const tag = Buffer.from(`simulated vendor task ${taskId}`, "utf8");
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + tag.length, 0);
  header.write("free", 4, "latin1");
  return Buffer.concat([sample, header, tag]);
}

// ---- synthetic large MP4s (sizeBytes) -----------------------------------------------------------

interface Box {
  type: string;
  start: number;
  size: number;
}

function topLevelBoxes(bytes: Buffer): Box[] {
  const boxes: Box[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at);
    if (size < 8) throw new Error("sample MP4 with a box size the synthetic writer does not handle");
    boxes.push({ type: bytes.toString("latin1", at + 4, at + 8), start: at, size });
    at += size;
  }
  return boxes;
}

function box(bytes: Buffer, type: string): Box {
  const found = topLevelBoxes(bytes).find((b) => b.type === type);
  if (!found) throw new Error(`sample MP4 has no ${type} box`);
  return found;
}

// Both assets are `ftyp, (moov,) free(8), mdat(frames)(, moov)`, and their stco points into the frames. A synthetic
// file keeps every byte before the 16 bytes `free`+`mdat` header, so the frames stay where stco says they are: the
// mdat header becomes an 8-byte `free` + 32-bit `mdat`, or a 16-byte 64-bit `mdat` (largesize) past 4 GiB.
// The frames are followed by filler inside mdat, which players and the gateway's inspector never read.
const LAYOUTS = {
  faststart: SAMPLE_MP4,
  "moov-at-end": MOOV_AT_END_MP4,
} as const;
type SyntheticLayout = keyof typeof LAYOUTS;

function layoutParts(bytes: Buffer) {
  const free = box(bytes, "free");
  const mdat = box(bytes, "mdat");
  if (free.size !== 8 || mdat.start !== free.start + 8) throw new Error("sample MP4 without the free+mdat header pair");
  const moov = box(bytes, "moov");
  const moovAtEnd = moov.start > mdat.start;
  return {
    before: bytes.subarray(0, free.start), // ftyp (+ moov for faststart)
    frames: bytes.subarray(mdat.start + 8, mdat.start + mdat.size),
    after: moovAtEnd ? bytes.subarray(moov.start, moov.start + moov.size) : Buffer.alloc(0),
  };
}

/** The smallest synthetic file: the sample's own boxes, without filler. */
export const MIN_SYNTHETIC_BYTES = SAMPLE_MP4.length;

/** Filler is this pattern repeated at fixed offsets, so any byte range can be produced without state. */
const FILLER = (() => {
  const size = 256 * 1024;
  const out = Buffer.alloc(size);
  for (let i = 0, block = 0; i < size; i += 32, block++) {
    createHash("sha256").update(`video-gateway synthetic filler ${block}`).digest().copy(out, i);
  }
  return out;
})();

interface SyntheticMp4 {
  size: number;
  /** Chunks of bytes [start, end] (inclusive), each at most 256 KiB; filler chunks are views, never copies. */
  chunks(start: number, end: number): Generator<Buffer>;
}

/** A valid MP4 of exactly `size` bytes (≥ MIN_SYNTHETIC_BYTES): the sample's 5.042 s video, then filler in mdat. */
function syntheticMp4(size: number, layout: SyntheticLayout): SyntheticMp4 {
  if (!Number.isSafeInteger(size) || size < MIN_SYNTHETIC_BYTES) throw new RangeError(`sizeBytes must be an integer >= ${MIN_SYNTHETIC_BYTES}`);
  const { before, frames, after } = layoutParts(LAYOUTS[layout]);
  const small = size - before.length - after.length - 8; // mdat with an 8-byte header, after the 8-byte free box
  const large = small > 0xffffffff;
  const mdatSize = large ? small + 8 : small;
  const header = Buffer.alloc(16);
  if (large) {
    header.writeUInt32BE(1, 0);
    header.write("mdat", 4, "latin1");
    header.writeBigUInt64BE(BigInt(mdatSize), 8);
  } else {
    header.writeUInt32BE(8, 0);
    header.write("free", 4, "latin1");
    header.writeUInt32BE(mdatSize, 8);
    header.write("mdat", 12, "latin1");
  }
  const head = Buffer.concat([before, header, frames]);
  const fillerStart = head.length;
  const tailStart = size - after.length;
  return {
    size,
    *chunks(start, end) {
      const CHUNK = FILLER.length;
      for (let at = start; at <= end; ) {
        let chunk: Buffer;
        if (at < fillerStart) chunk = head.subarray(at, Math.min(fillerStart, end + 1, at + CHUNK));
        else if (at < tailStart) {
          const from = (at - fillerStart) % CHUNK;
          chunk = FILLER.subarray(from, Math.min(CHUNK, from + (Math.min(tailStart, end + 1) - at)));
        } else chunk = after.subarray(at - tailStart, end + 1 - tailStart);
        yield chunk;
        at += chunk.length;
      }
    },
  };
}

/** Streams a synthetic file with backpressure: with Content-Length and ranges like a CDN, or chunked without either. */
async function sendSynthetic(req: SimRequest, res: ServerResponse, file: SyntheticMp4, opts: { chunked: boolean }): Promise<void> {
  if (opts.chunked) {
    res.writeHead(200, { "Content-Type": "video/mp4" });
    if (req.method === "HEAD") return void res.end();
    return stream(res, file.chunks(0, file.size - 1));
  }
  const headers: Record<string, string> = { "Content-Type": "video/mp4", "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600" };
  const range = parseRange(header(req.headers, "range"), file.size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${file.size}`, "Content-Length": "0" }).end();
    return;
  }
  const [start, end] = range ?? [0, file.size - 1];
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${file.size}`;
  headers["Content-Length"] = String(end - start + 1);
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === "HEAD") return void res.end();
  return stream(res, file.chunks(start, end));
}

/** Announces the full length, sends about half, then drops the connection. */
async function sendTruncatedSynthetic(req: SimRequest, res: ServerResponse, file: SyntheticMp4): Promise<void> {
  res.writeHead(200, { "Content-Type": "video/mp4", "Content-Length": String(file.size) });
  if (req.method === "HEAD") return void res.end();
  const half = Math.floor(file.size / 2);
  for (const chunk of file.chunks(0, half - 1)) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
  }
  setTimeout(() => res.socket?.destroy(), 20);
}

async function stream(res: ServerResponse, chunks: Generator<Buffer>): Promise<void> {
  try {
    await pipeline(Readable.from(chunks, { objectMode: false, highWaterMark: 1 }), res);
  } catch {
    // the client went away mid-download: nothing to clean up, the generator holds no resources
  }
}

/** URLs minted with a TTL carry expires+signature; when a TTL is in force an unsigned URL is refused too. */
function urlStillValid(sim: Sim, req: SimRequest, ttlInForce: boolean): boolean {
  const expires = req.url.searchParams.get("expires");
  const signature = req.url.searchParams.get("signature");
  if (expires === null && signature === null) return !ttlInForce;
  if (!expires || !signature || Number(expires) < Date.now()) return false;
  const want = Buffer.from(urlSignature(sim, req.url.pathname, expires));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Plain response with Content-Length and single-range support, like a CDN. */
function sendBytes(req: SimRequest, res: ServerResponse, bytes: Buffer, type: string): void {
  const headers: Record<string, string> = { "Content-Type": type, "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600" };
  const range = parseRange(header(req.headers, "range"), bytes.length);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${bytes.length}`, "Content-Length": "0" }).end();
    return;
  }
  const [start, end] = range ?? [0, bytes.length - 1];
  const status = range ? 206 : 200;
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${bytes.length}`;
  headers["Content-Length"] = String(end - start + 1);
  res.writeHead(status, headers);
  res.end(req.method === "HEAD" ? undefined : bytes.subarray(start, end + 1));
}

/** No Content-Length: Node falls back to chunked transfer encoding. Ranges are not offered. */
function sendChunked(req: SimRequest, res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { "Content-Type": "video/mp4" });
  if (req.method === "HEAD") return void res.end();
  const CHUNK = 16 * 1024;
  for (let i = 0; i < bytes.length; i += CHUNK) res.write(bytes.subarray(i, i + CHUNK));
  res.end();
}

/** Announces the full length, sends about half, then drops the connection. */
function sendTruncated(req: SimRequest, res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { "Content-Type": "video/mp4", "Content-Length": String(bytes.length) });
  if (req.method === "HEAD") return void res.end();
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
    setTimeout(() => res.socket?.destroy(), 20);
  });
}

/** Single `bytes=` range; multi-range requests are answered with the whole file (allowed by RFC 9110). */
function parseRange(value: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start >= size || end < start) return "unsatisfiable";
  }
  return [start, end];
}
