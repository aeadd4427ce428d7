// Vendor video → R2 in constant memory, checked (MP4 inspector) and hashed (SHA-256) on the way.
import { inspectMp4, Mp4Error, type VideoInfo } from "../media/mp4.ts";

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
 * Uploads land here first: R2 takes customMetadata before the body, but the SHA-256 and the MP4 facts are
 * only known after it. Give this prefix a lifecycle rule so staged copies of crashed attempts expire.
 */
export const STAGING_PREFIX = "ingest-staging/";

/**
 * Copies `response.body` to `bucket` at `key`, verifying it is an MP4 and hashing it on the way.
 * Known Content-Length → one put through a FixedLengthStream (a short or long body fails it);
 * otherwise → multipart upload in equal parts. The bytes go to a staging key first, then are copied
 * (natively, no JS pass) to `key` with their metadata, so `key` only ever holds a complete, checked video.
 * Throws IngestError: retryable for truncated bodies, length mismatches and R2 failures; not retryable for
 * content that is not a usable MP4.
 */
export async function ingestVideo(
  bucket: R2Bucket,
  key: string,
  response: Response,
  opts: { partSize?: number; onProgress?: () => Promise<void> } = {},
): Promise<StoredVideo> {
  if (!response.body) throw new IngestError("the response has no body", true);
  const hash = sha256Sink();
  const progress = progressMeter(opts.onProgress);
  // One pass-through stage checks the MP4, hashes and reports progress.
  const mp4 = inspectMp4(async (chunk) => {
    await hash.write(chunk);
    await progress(chunk.byteLength);
  });
  const bytes = response.body.pipeThrough(mp4.stream);
  const length = declaredLength(response.headers);
  const staging = `${STAGING_PREFIX}${key}.${crypto.randomUUID()}`; // concurrent attempts must not share it
  try {
    if (length === null) await putParts(bucket, staging, bytes, opts.partSize ?? PART_SIZE);
    else await putExact(bucket, staging, bytes, length);
    const [info, sha256] = await Promise.all([mp4.info, hash.hex()]);
    return await publish(bucket, staging, key, { ...info, sha256 }, opts.partSize ?? PART_SIZE);
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

const PROGRESS_BYTES = 16 * 2 ** 20;
const PROGRESS_MS = 20_000;

/** Calls `report` every 16 MiB or 20 s of transfer (the workflow's watchdog hears a long download is alive). */
function progressMeter(report?: () => Promise<void>): (bytes: number) => Promise<void> {
  let bytes = 0;
  let last = Date.now();
  return async (n) => {
    bytes += n;
    if (!report || (bytes < PROGRESS_BYTES && Date.now() - last < PROGRESS_MS)) return;
    bytes = 0;
    last = Date.now();
    await report();
  };
}

/** One put of exactly `length` bytes: FixedLengthStream gives R2 the known length and fails on any other count. */
async function putExact(bucket: R2Bucket, key: string, bytes: ReadableStream<Uint8Array>, length: number) {
  const { readable, writable } = new FixedLengthStream(length);
  const [piped, put] = await Promise.allSettled([bytes.pipeTo(writable), bucket.put(key, readable)]);
  if (piped.status === "rejected") throw piped.reason; // the cause (bad MP4, short body) beats R2's echo of it
  if (put.status === "rejected") throw put.reason;
}

/** Multipart upload of equal `partSize` parts (the last one shorter); a body under one part becomes a plain put. */
async function putParts(bucket: R2Bucket, key: string, bytes: ReadableStream<Uint8Array>, partSize: number) {
  const reader = bytes.getReader();
  const parts: R2UploadedPart[] = [];
  let upload: R2MultipartUpload | undefined;
  try {
    const part = new Uint8Array(partSize); // reused: R2 holds a part once uploadPart resolved
    let filled = 0;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      for (let at = 0; at < read.value.length; ) {
        const n = Math.min(partSize - filled, read.value.length - at);
        part.set(read.value.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === partSize) {
          upload ??= await bucket.createMultipartUpload(key);
          parts.push(await upload.uploadPart(parts.length + 1, part));
          filled = 0;
        }
      }
    }
    // The body has ended and the inspector accepted it (its errors surface from read()).
    const last = part.subarray(0, filled);
    if (!upload) {
      await bucket.put(key, last);
      return;
    }
    if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, last));
    await upload.complete(parts);
  } catch (err) {
    await Promise.allSettled([upload?.abort(), reader.cancel(err)]);
    throw err;
  }
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
