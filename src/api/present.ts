import { signContentUrl, urlExpiry } from "../auth/signed-urls.ts";
import type { Env } from "../env.ts";
import type { ErrorBody } from "../lib/errors.ts";
import { videoExpiresAt } from "../tasks/retention.ts";
import { publicStatus } from "../tasks/states.ts";
import type { TaskRecord } from "../tasks/task-record.ts";

/** The public task object of API.md §4, as GET returns it (and as webhooks will carry it). */
export async function presentTask(env: Env, origin: string, task: TaskRecord) {
  const now = Math.floor(Date.now() / 1000);
  const videoExpiry = videoExpiresAt(env, task);
  // A URL never outlives the video it points at; past retention there is no URL at all.
  const video = task.state === "succeeded" && videoExpiry !== null && videoExpiry > now ? task.video : null;
  const expires = videoExpiry === null ? null : Math.min(urlExpiry(now), videoExpiry);
  const error: ErrorBody | null = task.error
    ? { code: task.error.code, message: task.error.message, param: task.error.param, type: task.error.type }
    : null;
  const url = video && expires !== null ? await signContentUrl(env, origin, task.id, expires) : null;
  return {
    task_id: task.id,
    object: "video.generation",
    model: task.model,
    status: publicStatus(task.state),
    format: "mp4",
    url,
    /** The vendor's cover image (Vidu), stored beside the video; null when the vendor gave none. */
    thumbnail_url: url && task.cover_key ? `${url}&variant=thumbnail` : null,
    metadata: {
      duration: video?.duration ?? null,
      fps: video?.fps ?? null,
      width: video?.width ?? null,
      height: video?.height ?? null,
      seed: task.vendor_seed ?? task.requested_seed,
    },
    error,
    user: task.user,
    created_at: task.created_at,
    updated_at: task.updated_at,
    completed_at: task.completed_at,
    expires_at: expires,
  };
}

/** Where the outside world reaches this gateway: PUBLIC_BASE_URL, else the incoming request's origin. */
export function publicOrigin(env: Env, requestUrl: string): string {
  return (env.PUBLIC_BASE_URL || new URL(requestUrl).origin).replace(/\/+$/, "");
}
