// The finished MP4 to a file, streamed (never held whole in memory), written beside it first and renamed when
// complete, so an interrupted download never leaves a file that looks finished.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Client, Task } from "./client.ts";
import { byteBar } from "./progress.ts";

/** Downloads the task's video to `file`; resolves to the number of bytes written. */
export async function download(api: Client, task: Task, file: string): Promise<number> {
  // The signed url needs no key; without one (e.g. not yet signed), the content route with the key.
  const response = task.url
    ? await api.raw(task.url, false)
    : await api.raw(`${api.baseUrl}/v1/video/generations/${encodeURIComponent(task.task_id)}/content`, true);
  if (!response.body) throw new Error("The gateway sent no video body.");
  const length = Number(response.headers.get("content-length"));
  const bar = byteBar(Number.isFinite(length) && length > 0 ? length : null);
  let written = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      bar.advance(chunk.length);
      done(null, chunk);
    },
  });
  const partial = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), count, createWriteStream(partial));
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    bar.stop();
  }
  return written;
}
