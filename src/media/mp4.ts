// Streaming MP4 inspector: reads duration, fps and size while the bytes flow past, holding only `moov`.
// Hand-written because mp4box.js retains every appended buffer, i.e. the whole video.

export interface VideoInfo {
  duration: number;
  fps: number;
  width: number;
  height: number;
}

/** `truncated`: the bytes stopped early (worth retrying); `not-mp4`/`malformed`: the content itself is wrong. */
export type Mp4ErrorReason = "not-mp4" | "truncated" | "malformed";

export class Mp4Error extends Error {
  override readonly name = "Mp4Error";
  constructor(
    message: string,
    readonly reason: Mp4ErrorReason,
  ) {
    super(message);
  }
}

/** Largest `moov` we hold in memory; real ones are KBs to a few MBs. */
const MAX_MOOV_BYTES = 16 * 2 ** 20;

/**
 * A pass-through stream that inspects top-level boxes as bytes flow: it buffers only `moov`, counts its way
 * past everything else (`mdat`), and errors with an Mp4Error on non-MP4 input, impossible box sizes,
 * truncation, or a missing moov / video track. `info` resolves once the stream has ended successfully.
 */
export function inspectMp4(onChunk?: (chunk: Uint8Array) => Promise<void>): { stream: TransformStream<Uint8Array, Uint8Array>; info: Promise<VideoInfo> } {
  const scanner = new BoxScanner();
  const { promise: info, resolve, reject } = Promise.withResolvers<VideoInfo>();
  info.catch(() => {}); // a consumer that only watches the stream must not trigger an unhandled rejection
  const guard = (step: () => void) => {
    try {
      step();
    } catch (e) {
      reject(e);
      throw e;
    }
  };
  // `onChunk` lets a caller hash or count the bytes in this same pass: every extra stream stage costs memory.
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      guard(() => scanner.push(chunk)); // before enqueue: rejected bytes never reach the sink
      await onChunk?.(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      guard(() => resolve(scanner.end()));
    },
    cancel: reject,
  });
  return { stream, info };
}

interface OpenBox {
  /** Payload bytes still to come; Infinity for a size-0 box, which runs to the end of the stream. */
  left: number;
  /** Copies of the payload when this is the moov we keep. */
  kept: Uint8Array[] | null;
  keptBytes: number;
}

/**
 * Splits a byte stream into top-level boxes, whatever the chunk boundaries: `push` every chunk, then `end`.
 * Used directly by callers that already hold the bytes in parts, so they need no extra stream stage.
 */
export class BoxScanner {
  private readonly header = new Uint8Array(16);
  private readonly headerView = new DataView(this.header.buffer);
  private headerLen = 0;
  private box: OpenBox | null = null;
  private boxes = 0;
  private pos = 0;
  private info: VideoInfo | null = null;
  /** Where the last media sample ends (from the moov's sample tables): a size-0 box must reach at least that far. */
  private mediaEnd = 0;

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; ) {
      const n = this.box
        ? this.payload(chunk.subarray(i, i + Math.min(this.box.left, chunk.length - i)))
        : this.headerBytes(chunk.subarray(i, i + this.headerNeed() - this.headerLen));
      i += n;
    }
  }

  end(): VideoInfo {
    if (this.boxes === 0) throw new Mp4Error("not an MP4 (no box in the body)", "not-mp4");
    if (this.headerLen > 0 || (this.box && this.box.left !== Infinity)) {
      throw new Mp4Error(`truncated MP4: the body ends inside a box at byte ${this.pos}`, "truncated");
    }
    if (this.box) {
      // A size-0 box (usually mdat) runs to the end of the stream, so only the moov can tell a cut one from a whole one.
      if (this.pos < this.mediaEnd) {
        throw new Mp4Error(`truncated MP4: the body ends at byte ${this.pos}, before its last sample (byte ${this.mediaEnd})`, "truncated");
      }
      this.close();
    }
    // Boxes all complete yet no moov: most likely a moov-at-end file cut at a box boundary.
    if (!this.info) throw new Mp4Error("no moov box", "truncated");
    return this.info;
  }

  /** 8 header bytes, or 16 when the 32-bit size is 1 (a 64-bit largesize follows the type). */
  private headerNeed(): number {
    return this.headerLen >= 4 && this.headerView.getUint32(0) === 1 ? 16 : 8;
  }

  private headerBytes(bytes: Uint8Array): number {
    this.header.set(bytes, this.headerLen);
    this.headerLen += bytes.length;
    this.pos += bytes.length;
    if (this.headerLen === this.headerNeed()) this.open();
    return bytes.length;
  }

  private open(): void {
    const headerSize = this.headerLen;
    const size32 = this.headerView.getUint32(0);
    const type = fourcc(this.headerView, 4);
    if (this.boxes++ === 0 && type !== "ftyp") {
      throw new Mp4Error(`not an MP4 (body starts with ${JSON.stringify(printable(this.header, 8))})`, "not-mp4");
    }
    const size = size32 === 1 ? Number(this.headerView.getBigUint64(8)) : size32 === 0 ? Infinity : size32;
    if (size < headerSize || (size !== Infinity && !Number.isSafeInteger(size))) {
      const at = this.pos - headerSize;
      throw new Mp4Error(`impossible size ${size} for box ${JSON.stringify(type)} at byte ${at}`, "malformed");
    }
    const keep = type === "moov" && !this.info;
    this.headerLen = 0;
    this.box = { left: size - headerSize, kept: keep ? [] : null, keptBytes: 0 };
    if (this.box.left === 0) this.close();
  }

  private payload(bytes: Uint8Array): number {
    const box = this.box!;
    if (box.kept) {
      box.keptBytes += bytes.length;
      if (box.keptBytes > MAX_MOOV_BYTES) {
        throw new Mp4Error(`moov box larger than ${MAX_MOOV_BYTES} bytes`, "malformed");
      }
      box.kept.push(bytes.slice()); // a copy: the chunk itself flows on downstream
    }
    box.left -= bytes.length;
    this.pos += bytes.length;
    if (box.left === 0) this.close();
    return bytes.length;
  }

  private close(): void {
    const { kept, keptBytes } = this.box!;
    this.box = null;
    if (kept) ({ info: this.info, mediaEnd: this.mediaEnd } = parseMoov(concat(kept, keptBytes)));
  }
}

interface Box {
  type: string;
  /** Payload range within the moov buffer. */
  start: number;
  end: number;
}

/**
 * Reads the movie duration and the first video track's size and frame rate out of a complete moov payload, and where
 * the last sample of any track ends in the file.
 */
function parseMoov(moov: Uint8Array): { info: VideoInfo; mediaEnd: number } {
  const dv = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
  const root: Box = { type: "moov", start: 0, end: moov.length };

  const movie = timing(dv, child(dv, root, "mvhd"));
  if (!movie.timescale || !movie.duration) throw malformed("the movie has no duration (fragmented MP4?)");

  const trak = [...children(dv, root)].find((b) => b.type === "trak" && handler(dv, child(dv, child(dv, b, "mdia"), "hdlr")) === "vide");
  if (!trak) throw malformed("no video track");
  const mdia = child(dv, trak, "mdia");
  const media = timing(dv, child(dv, mdia, "mdhd"));
  const samples = sampleCount(dv, child(dv, child(dv, child(dv, mdia, "minf"), "stbl"), "stts"));
  if (!media.timescale || !media.duration || !samples) throw malformed("the video track has no samples");

  const info = {
    duration: round3(movie.duration / movie.timescale),
    fps: round3((samples * media.timescale) / media.duration),
    ...dimensions(dv, child(dv, trak, "tkhd")),
  };
  const tracks = [...children(dv, root)].filter((b) => b.type === "trak");
  const mediaEnd = Math.max(0, ...tracks.map((t) => lastSampleEnd(dv, child(dv, child(dv, child(dv, t, "mdia"), "minf"), "stbl"))));
  return { info, mediaEnd };
}

/** The file offset where a track's last chunk ends: its offset (stco/co64) plus the sizes of its samples (stsc, stsz). */
function lastSampleEnd(dv: DataView, stbl: Box): number {
  const boxes = new Map([...children(dv, stbl)].map((b) => [b.type, b]));
  const stsz = boxes.get("stsz");
  const stsc = boxes.get("stsc");
  const offsets = boxes.get("stco") ?? boxes.get("co64");
  if (!stsz || !stsc || !offsets) throw malformed("a track without sample tables");
  need(offsets, 8);
  const chunks = dv.getUint32(offsets.start + 4);
  if (chunks === 0) return 0;
  const wide = offsets.type === "co64";
  need(offsets, 8 + chunks * (wide ? 8 : 4));
  const lastOffset = wide ? Number(dv.getBigUint64(offsets.start + 8 + (chunks - 1) * 8)) : dv.getUint32(offsets.start + 8 + (chunks - 1) * 4);
  need(stsc, 8);
  const runs = dv.getUint32(stsc.start + 4);
  need(stsc, 8 + runs * 12);
  // The last run of stsc covers the last chunk; its second field is how many samples each of its chunks holds.
  const inLastChunk = runs === 0 ? 0 : dv.getUint32(stsc.start + 8 + (runs - 1) * 12 + 4);
  need(stsz, 12);
  const fixed = dv.getUint32(stsz.start + 4);
  const count = dv.getUint32(stsz.start + 8);
  const n = Math.min(inLastChunk, count);
  if (fixed !== 0) return lastOffset + fixed * n;
  need(stsz, 12 + count * 4);
  let bytes = 0;
  for (let i = count - n; i < count; i++) bytes += dv.getUint32(stsz.start + 12 + i * 4);
  return lastOffset + bytes;
}

function* children(dv: DataView, parent: Box): Generator<Box> {
  // Fewer than 8 bytes left is padding some muxers add, not a box.
  for (let at = parent.start; parent.end - at >= 8; ) {
    let size = dv.getUint32(at);
    let headerSize = 8;
    if (size === 1) {
      if (parent.end - at < 16) throw malformed(`bad box header in ${parent.type}`);
      size = Number(dv.getBigUint64(at + 8));
      headerSize = 16;
    } else if (size === 0) {
      size = parent.end - at;
    }
    if (size < headerSize || at + size > parent.end) throw malformed(`bad box size in ${parent.type}`);
    yield { type: fourcc(dv, at + 4), start: at + headerSize, end: at + size };
    at += size;
  }
}

function child(dv: DataView, parent: Box, type: string): Box {
  for (const box of children(dv, parent)) if (box.type === type) return box;
  throw malformed(`no ${type} in ${parent.type}`);
}

/** mvhd and mdhd share this layout: version, flags, two dates, timescale, duration (dates and duration 64-bit in v1). */
function timing(dv: DataView, box: Box): { timescale: number; duration: number } {
  const v1 = dv.getUint8(box.start) === 1;
  need(box, v1 ? 32 : 20);
  return v1
    ? { timescale: dv.getUint32(box.start + 20), duration: Number(dv.getBigUint64(box.start + 24)) }
    : { timescale: dv.getUint32(box.start + 12), duration: dv.getUint32(box.start + 16) };
}

function handler(dv: DataView, hdlr: Box): string {
  need(hdlr, 12);
  return fourcc(dv, hdlr.start + 8); // after version/flags and pre_defined
}

/** tkhd ends with width and height in 16.16 fixed point, after a version-dependent header and the matrix. */
function dimensions(dv: DataView, tkhd: Box): { width: number; height: number } {
  const at = tkhd.start + (dv.getUint8(tkhd.start) === 1 ? 88 : 76);
  need(tkhd, at - tkhd.start + 8);
  return { width: dv.getUint32(at) / 65536, height: dv.getUint32(at + 4) / 65536 };
}

/** Sum of the sample counts of stts (time-to-sample) entries. */
function sampleCount(dv: DataView, stts: Box): number {
  need(stts, 8);
  const entries = dv.getUint32(stts.start + 4);
  need(stts, 8 + entries * 8);
  let total = 0;
  for (let i = 0; i < entries; i++) total += dv.getUint32(stts.start + 8 + i * 8);
  return total;
}

function need(box: Box, bytes: number): void {
  if (box.end - box.start < bytes) throw malformed(`${box.type} box too short`);
}

const malformed = (what: string) => new Mp4Error(`malformed MP4: ${what}`, "malformed");

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function fourcc(dv: DataView, at: number): string {
  return String.fromCharCode(...new Uint8Array(dv.buffer, dv.byteOffset + at, 4));
}

function printable(bytes: Uint8Array, n: number): string {
  return String.fromCharCode(...bytes.subarray(0, n).map((b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
