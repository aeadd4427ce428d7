import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireApiKey } from "../auth/api-keys.ts";
import { verifyContentSignature } from "../auth/signed-urls.ts";
import { ApiError } from "../lib/errors.ts";
import { serveThroughCache } from "../storage/edge-cache.ts";
import { videoExpiresAt } from "../tasks/retention.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import { ownedTask } from "./generations.ts";

async function thumbnail(bucket: R2Bucket, task: TaskRecord, gone: ApiError): Promise<Response> {
  const object = task.cover_key ? await bucket.get(task.cover_key) : null;
  if (!task.cover_key) throw new ApiError(404, `Task ${task.id} has no thumbnail: its vendor gave no cover image.`, "thumbnail_not_found", "variant");
  if (!object) throw gone;
  const headers = new Headers({ etag: object.httpEtag });
  object.writeHttpMetadata(headers);
  return new Response(object.body, { headers });
}

/** The MP4 of a task: with the owner's key, or with the signed query of the task's `url` and no key at all. */
export const content = new Hono<AppEnv>().on(["GET", "HEAD"], "/:id/content", async (c) => {
  const id = c.req.param("id");
  const { expires, signature } = c.req.query();
  let task: TaskRecord;
  if (signature !== undefined || expires !== undefined) {
    if (!(await verifyContentSignature(c.env, id, expires ?? "", signature ?? "", Math.floor(Date.now() / 1000)))) {
      throw new ApiError(403, "This video link is invalid or has expired; read the task again for a fresh url.", "invalid_signature");
    }
    const found = await c.env.TASKS.getByName(id).read();
    if (!found) throw new ApiError(404, `No task "${id}".`, "task_not_found", "task_id");
    task = found;
  } else {
    await requireApiKey(c, async () => {}); // throws the 401 itself
    task = await ownedTask(c.env, id, c.var.caller.keyId);
  }
  if (task.state !== "succeeded" || !task.video) {
    const detail = task.state === "failed" ? "it failed, so there is no video" : "it is still processing; try again when its status is succeeded";
    throw new ApiError(409, `Task ${id} has no video yet: ${detail}.`, "task_not_ready", "task_id");
  }
  const gone = new ApiError(410, `The video of task ${id} has expired and is no longer stored.`, "video_expired", "task_id");
  if ((videoExpiresAt(c.env, task) ?? 0) <= Math.floor(Date.now() / 1000)) throw gone;
  if (c.req.query("variant") === "thumbnail") return thumbnail(c.env.VIDEOS, task, gone);
  const cacheUrl = `${new URL(c.req.url).origin}/v1/video/generations/${id}/content`;
  const response = await serveThroughCache(c.executionCtx, c.env.VIDEOS, task.video.key, task.video.size, c.req.raw, cacheUrl);
  if (!response) throw gone;
  return response;
});
