import { type Context, Hono } from "hono";
import { signingSecret } from "../config.ts";
import { verifyContentSignature } from "../lib/signed-urls.ts";
import { serveObject, videoCacheControl } from "../storage/delivery.ts";
import { serveThroughCache } from "../storage/edge-cache.ts";
import { videoExpiresAt } from "../tasks/retention.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { findTask, ownedTask } from "./owned-task.ts";
import { documented } from "./route-docs.ts";

async function thumbnail(bucket: R2Bucket, task: TaskRecord, gone: ApiError, cacheControl: string): Promise<Response> {
  const key = task.result.cover_key;
  if (!key) throw new ApiError(404, `Task ${task.id} has no thumbnail: its vendor gave no cover image.`, "thumbnail_not_found", "variant");
  const object = await bucket.get(key);
  if (!object) throw gone;
  const headers = new Headers({ etag: object.httpEtag, "cache-control": cacheControl });
  object.writeHttpMetadata(headers);
  return new Response(object.body, { headers });
}

/** The MP4 of a task: with the owner's key, or with the signed query of the task's `url` and no key at all. */
const doc = documented({
  tag: "Generations",
  public: "or-key",
  summary: "Download a task's MP4 (or its thumbnail)",
  description:
    "With the owner's API key, or with the signed query of the task's `url` and no key. Supports Range, ETag and If-None-Match, and is cacheable at the edge.",
  query: { expires: "Of the signed url.", signature: "Of the signed url.", variant: "thumbnail for the cover image." },
  ok: { description: "The bytes (206 for a range).", media: "video/mp4" },
  errors: [401, 403, 404, 409, 410],
});

export const content = new Hono<AppEnv>().on(["GET", "HEAD"], "/:id/content", doc, async (c) => {
  const id = c.req.param("id");
  const { expires, signature } = c.req.query();
  const cfg = c.var.config;
  const nowS = Math.floor(Date.now() / 1000);
  const signed = signature !== undefined || expires !== undefined;
  let task: TaskRecord;
  if (signed) {
    if (!(await verifyContentSignature(signingSecret(cfg), id, expires ?? "", signature ?? "", nowS))) {
      throw new ApiError(403, "This video link is invalid or has expired; read the task again for a fresh url.", "invalid_signature");
    }
    const found = await findTask(c.env, id);
    if (!found) throw new ApiError(404, `No task "${id}".`, "task_not_found", "task_id");
    task = found;
  } else {
    await requireApiKey(c, async () => {}); // throws the 401 itself
    task = await ownedTask(c.env, id, c.var.caller.keyId);
  }
  return deliver(c, task, signed ? (expires ?? "") : null, c.req.query("variant") === "thumbnail" ? "thumbnail" : "video");
});

/**
 * A succeeded task's MP4 (or its thumbnail), with ranges, ETag and cache headers. `signedExpires`: the signed URL's
 * expiry when the request came with one (verified), else null for a key-authenticated request.
 */
export async function deliver(c: Context<AppEnv>, task: TaskRecord, signedExpires: string | null, variant: "video" | "thumbnail"): Promise<Response> {
  const id = task.id;
  const cfg = c.var.config;
  const nowS = Math.floor(Date.now() / 1000);
  const signed = signedExpires !== null;
  const video = task.result.video;
  if (task.state !== "succeeded" || !video) {
    const detail = task.state === "failed" ? "it failed, so there is no video" : "it is still processing; try again when its status is succeeded";
    throw new ApiError(409, `Task ${id} has no video yet: ${detail}.`, "task_not_ready", "task_id");
  }
  const gone = new ApiError(410, `The video of task ${id} has expired and is no longer stored.`, "video_expired", "task_id");
  const retainedS = (videoExpiresAt(cfg, task) ?? 0) - nowS;
  if (retainedS <= 0) throw gone;
  // No cache keeps the video past its URL's expiry (or, with an API key, past the video's retention), and a
  // key-authenticated answer is for its caller only.
  const clientMaxAgeS = signed ? Math.min(Number(signedExpires) - nowS, retainedS) : retainedS;
  const clientCacheControl = videoCacheControl(signed ? "public" : "private", clientMaxAgeS);
  if (variant === "thumbnail") return thumbnail(c.env.VIDEOS, task, gone, clientCacheControl);
  const response = signed
    ? await serveThroughCache(
        c.executionCtx,
        c.env.VIDEOS,
        video.key,
        video.size,
        c.req.raw,
        `${new URL(c.req.url).origin}/v1/video/generations/${id}/content`,
        {
          clientMaxAgeS,
          edgeMaxAgeS: retainedS,
        },
      )
    : await serveObject(c.env.VIDEOS, video.key, c.req.raw, clientCacheControl);
  if (!response) throw gone;
  return response;
}
