// The memory baseline of bench/memory.ts: the least a Worker can do to move a video into R2 and out again.
//   POST /store?src=URL&key=K&length=N&mode=fixed      fetch src and pipe it through a FixedLengthStream(N) into one put
//   POST /store?src=URL&key=K&mode=multipart           equal 8 MiB multipart parts, as ingest does without a length
//   GET  /object?key=K                                 stream the object back out
// No inspection, hashing, staging copy or framework. Typed locally: bench/ is typechecked with Node's types.
// For attributing the gateway's extra memory, /store also takes (both off by default, i.e. in the baseline):
//   taps=N   pass the bytes through N identity JS TransformStreams first (ingest has three: heartbeat, MP4, SHA-256)
//   copy=1   then copy the object to K.copy with get → put and delete K (ingest's staging → final publish)

interface R2Object {
  size: number;
  etag: string;
}
interface R2UploadedPart {
  partNumber: number;
  etag: string;
}
interface R2MultipartUpload {
  uploadPart(partNumber: number, value: Uint8Array): Promise<R2UploadedPart>;
  complete(parts: R2UploadedPart[]): Promise<R2Object>;
  abort(): Promise<void>;
}
interface R2Bucket {
  put(key: string, value: ReadableStream | Uint8Array): Promise<R2Object | null>;
  delete(key: string): Promise<void>;
  get(key: string): Promise<(R2Object & { body: ReadableStream }) | null>;
  createMultipartUpload(key: string): Promise<R2MultipartUpload>;
}
declare const FixedLengthStream: new (length: number) => TransformStream<Uint8Array, Uint8Array>;

const PART_SIZE = 8 * 2 ** 20;

export default {
  async fetch(request: Request, env: { BUCKET: R2Bucket }): Promise<Response> {
    const url = new URL(request.url);
    const key = url.searchParams.get("key");
    if (!key) return new Response("key is required\n", { status: 400 });
    if (request.method === "GET" && url.pathname === "/object") {
      const object = await env.BUCKET.get(key);
      if (!object) return new Response("no such object\n", { status: 404 });
      return new Response(object.body, { headers: { "content-type": "video/mp4", "content-length": String(object.size) } });
    }
    if (request.method !== "POST" || url.pathname !== "/store") return new Response("not found\n", { status: 404 });
    const started = Date.now();
    const source = await fetch(url.searchParams.get("src") ?? "", { headers: { "accept-encoding": "identity" } });
    if (!source.ok || !source.body) return new Response(`source answered ${source.status}\n`, { status: 502 });
    const mode = url.searchParams.get("mode") ?? "fixed";
    let body: ReadableStream<Uint8Array> = source.body;
    for (let i = Number(url.searchParams.get("taps") ?? 0); i > 0; i--) {
      body = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => c.enqueue(chunk) }));
    }
    let stored: R2Object | null;
    if (mode === "fixed") {
      const { readable, writable } = new FixedLengthStream(Number(url.searchParams.get("length")));
      [, stored] = await Promise.all([body.pipeTo(writable), env.BUCKET.put(key, readable)]);
    } else if (mode === "multipart") {
      stored = await putParts(env.BUCKET, key, body);
    } else return new Response("mode must be fixed or multipart\n", { status: 400 });
    if (url.searchParams.get("copy") === "1") {
      const staged = await env.BUCKET.get(key);
      stored = await env.BUCKET.put(`${key}.copy`, staged!.body);
      await env.BUCKET.delete(key);
    }
    return Response.json({ key, mode, size: stored?.size, etag: stored?.etag, ms: Date.now() - started });
  },
};

async function putParts(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>): Promise<R2Object> {
  const upload = await bucket.createMultipartUpload(key);
  const parts: R2UploadedPart[] = [];
  const reader = body.getReader();
  let part = new Uint8Array(PART_SIZE);
  let filled = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    for (let at = 0; at < read.value.length; ) {
      const n = Math.min(PART_SIZE - filled, read.value.length - at);
      part.set(read.value.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === PART_SIZE) {
        parts.push(await upload.uploadPart(parts.length + 1, part));
        part = new Uint8Array(PART_SIZE);
        filled = 0;
      }
    }
  }
  if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, part.subarray(0, filled)));
  return upload.complete(parts);
}
