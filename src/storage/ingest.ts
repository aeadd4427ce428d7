// Vendor video → R2 in constant memory, checked (MP4 inspector) and hashed (SHA-256) on the way.

import { BoxScanner, inspectMp4, Mp4Error, type VideoInfo } from "../media/mp4.ts";
import { stagingKey } from "./layout.ts";

export interface StoredVideo extends VideoInfo {
  key: string;
  size: number;
  etag: string;
  /** Hex SHA-256 of the object's bytes. */
  sha256: string;
}

export class IngestError extends Error {
  override readonly name = "IngestError";
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Multipart part size: R2 wants equal non-final parts of ≥5 MiB; memory holds about one part. */
const PART_SIZE = 8 * 2 ** 20;
/** A single put takes up to ~4.995 GiB; we stay well below. */
const MAX_SINGLE_PUT = 4 * 2 ** 30;

/**
 * Copies `response.body` to `bucket` at `key`, verifying it is an MP4 and hashing it on the way.
 * Known Content-Length → one put through a FixedLengthStream (a short or long body fails it);
 * otherwise → multipart upload in equal parts read straight into one buffer. The bytes go to a staging key first,
 * then are copied by ranges to `key` with their metadata, so `key` only ever holds a complete, checked video.
 * Throws IngestError: retryable for truncated bodies, length mismatches and R2 failures; not retryable for
 * content that is not a usable MP4.
 */
export async function ingestVideo(
  bucket: R2Bucket,
  key: string,
  response: Response,
  opts: { partSize?: number; onBytes?: () => void } = {},
): Promise<StoredVideo> {
  if (!response.body) throw new IngestError("the response has no body", true);
  const hash = sha256Sink();
  // Every chunk (or part) of the download: hashed, and a sign the download is alive.
  const account = async (bytes: Uint8Array) => {
    opts.onBytes?.();
    await hash.write(bytes);
  };
  const partSize = opts.partSize ?? PART_SIZE;
  const length = declaredLength(response.headers);
  // Uploads land on a staging key first: R2 takes customMetadata before the body, but the SHA-256 and the MP4
  // facts are only known after it.
  const staging = stagingKey(key);
  try {
    let info: VideoInfo;
    if (length === null) {
      // Each part is read straight into one reused buffer and checked once, before it is uploaded.
      const scanner = new BoxScanner();
      await putParts(bucket, staging, response.body, partSize, async (part) => {
        scanner.push(part);
        await account(part);
      });
      info = scanner.end();
    } else {
      // One pass-through stage checks the MP4, hashes and reports progress on the way into a single put.
      const mp4 = inspectMp4(account);
      await putExact(bucket, staging, response.body.pipeThrough(mp4.stream), length);
      info = await mp4.info;
    }
    return await publish(bucket, staging, key, { ...info, sha256: await hash.hex() }, partSize);
  } catch (err) {
    throw asIngestError(err);
  } finally {
    await bucket.delete(staging).catch(() => {}); // a leftover expires under the staging lifecycle rule
  }
}

/** If `key` already holds a complete ingested video (an earlier attempt finished), its StoredVideo, else null. */
export async function storedVideo(bucket: R2Bucket, key: string): Promise<StoredVideo | null> {
  const object = await bucket.head(key);
  const facts = object && fromMetadata(object.customMetadata ?? {});
  return facts ? { key, size: object.size, etag: object.etag, ...facts } : null;
}

type VideoFacts = Omit<StoredVideo, "key" | "size" | "etag">;

function toMetadata(facts: VideoFacts): Record<string, string> {
  return Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, String(v)]));
}

function fromMetadata(meta: Record<string, string>): VideoFacts | null {
  const info = { duration: Number(meta.duration), fps: Number(meta.fps), width: Number(meta.width), height: Number(meta.height) };
  // Without all of them, whatever is at the key was not published by ingestVideo.
  return meta.sha256 && Object.values(info).every(Number.isFinite) ? { ...info, sha256: meta.sha256 } : null;
}

/** Content-Length, when it describes the bytes we will read (not with Content-Encoding: fetch decodes those). */
function declaredLength(headers: Headers): number | null {
  const raw = headers.get("content-length");
  if (!raw || !/^\d+$/.test(raw) || headers.get("content-encoding")) return null;
  const length = Number(raw);
  return length <= MAX_SINGLE_PUT ? length : null;
}

/** SHA-256 of the bytes written, via the runtime's DigestStream (awaiting each write keeps backpressure). */
function sha256Sink(): { write(chunk: Uint8Array): Promise<void>; hex(): Promise<string> } {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  return {
    write: (chunk) => writer.write(chunk),
    hex: async () => {
      await writer.close();
      return new Uint8Array(await digest.digest).toHex();
    },
  };
}

/** One put of exactly `length` bytes: FixedLengthStream gives R2 the known length and fails on any other count. */
async function putExact(bucket: R2Bucket, key: string, bytes: ReadableStream<Uint8Array>, length: number) {
  const { readable, writable } = new FixedLengthStream(length);
  const [piped, put] = await Promise.allSettled([bytes.pipeTo(writable), bucket.put(key, readable)]);
  if (piped.status === "rejected") throw piped.reason; // the cause (bad MP4, short body) beats R2's echo of it
  if (put.status === "rejected") throw put.reason;
}

/**
 * Multipart upload of equal `partSize` parts (the last one shorter); a body under one part becomes a plain put.
 * `check` sees every part before it is uploaded, and may throw to stop the upload.
 */
async function putParts(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, partSize: number, check: (part: Uint8Array) => Promise<void>) {
  const reader = partReader(body, partSize);
  const parts: R2UploadedPart[] = [];
  let upload: R2MultipartUpload | undefined;
  try {
    for (;;) {
      const part = await reader.next();
      if (part.byteLength > 0) await check(part);
      if (part.byteLength < partSize) {
        if (!upload) await bucket.put(key, part);
        else {
          if (part.byteLength > 0) parts.push(await upload.uploadPart(parts.length + 1, part));
          await upload.complete(parts);
        }
        return;
      }
      upload ??= await bucket.createMultipartUpload(key);
      parts.push(await upload.uploadPart(parts.length + 1, part));
    }
  } catch (err) {
    await Promise.allSettled([upload?.abort(), reader.cancel(err)]);
    throw err;
  }
}

/**
 * Reads a body `size` bytes at a time (the last read shorter) into one reused buffer, which is valid until the
 * next read. Byte streams (fetch bodies) are read with BYOB `readAtLeast`, straight into the buffer; other
 * streams are copied in.
 */
function partReader(body: ReadableStream<Uint8Array>, size: number): { next(): Promise<Uint8Array>; cancel(reason: unknown): Promise<void> } {
  let buffer = new ArrayBuffer(size);
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // not a byte stream
  }
  if (byob) {
    const reader = byob;
    return {
      async next() {
        const { value } = await reader.readAtLeast(size, new Uint8Array(buffer, 0, size));
        if (!value) return new Uint8Array(0);
        buffer = value.buffer as ArrayBuffer; // readAtLeast hands the (transferred) buffer back
        return value;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const reader = body.getReader();
  const part = new Uint8Array(buffer);
  let rest: Uint8Array = new Uint8Array(0);
  return {
    async next() {
      let filled = 0;
      for (;;) {
        const n = Math.min(size - filled, rest.byteLength);
        part.set(rest.subarray(0, n), filled);
        filled += n;
        rest = rest.subarray(n);
        if (filled === size) return part;
        const read = await reader.read();
        if (read.done) return part.subarray(0, filled);
        rest = read.value;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/**
 * Copies the staged bytes to `key` with their facts, one part-sized range at a time into a single put: the video
 * ends up one plain object (cheap to serve by range) and no read spans a whole multipart upload. R2 checks the copy
 * against our SHA-256.
 */
async function publish(bucket: R2Bucket, staging: string, key: string, facts: VideoFacts, partSize: number): Promise<StoredVideo> {
  const staged = await bucket.head(staging);
  if (!staged) throw new IngestError("the staged upload disappeared", true);
  const { readable, writable } = new FixedLengthStream(staged.size);
  const copy = async () => {
    for (let offset = 0; offset < staged.size; offset += partSize) {
      const range = await bucket.get(staging, { range: { offset, length: Math.min(partSize, staged.size - offset) } });
      if (!range) throw new IngestError("the staged upload disappeared", true);
      await range.body.pipeTo(writable, { preventClose: true });
    }
    await writable.close();
  };
  const put = bucket.put(key, readable, { httpMetadata: { contentType: "video/mp4" }, customMetadata: toMetadata(facts), sha256: facts.sha256 });
  const [copied, stored] = await Promise.allSettled([copy(), put]);
  if (copied.status === "rejected") {
    await writable.abort(copied.reason).catch(() => {});
    throw copied.reason;
  }
  if (stored.status === "rejected") throw stored.reason;
  const object = stored.value!; // null only with onlyIf
  return { key, size: object.size, etag: object.etag, ...facts };
}

function asIngestError(err: unknown): IngestError {
  if (err instanceof IngestError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // Truncation is a transfer problem; any other MP4 verdict is about the content and will not change.
  if (err instanceof Mp4Error) return new IngestError(message, err.reason === "truncated", { cause: err });
  return new IngestError(message, true, { cause: err }); // network, length mismatch, R2
}
