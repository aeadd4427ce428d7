import * as v from "valibot";
import { type Config, signingSecret } from "../config.ts";
import type { ErrorBody } from "../lib/errors.ts";
import { signContentUrl, urlExpiry } from "../lib/signed-urls.ts";
import { videoExpiresAt } from "../tasks/retention.ts";
import { publicStatus } from "../tasks/states.ts";
import type { TaskRecord } from "../tasks/task-record.ts";

const TaskError = v.object({ code: v.nullable(v.string()), message: v.string(), param: v.nullable(v.string()), type: v.string() });

/** The public task object of API.md §4 (also its OpenAPI description). */
export const TaskObject = v.object({
  task_id: v.string(),
  object: v.literal("video.generation"),
  model: v.string(),
  status: v.picklist(["processing", "succeeded", "failed"]),
  format: v.literal("mp4"),
  url: v.nullable(v.pipe(v.string(), v.description("A signed URL of the MP4 on this gateway, fetchable without a key until expires_at."))),
  thumbnail_url: v.nullable(v.string()),
  metadata: v.object({
    duration: v.nullable(v.number()),
    fps: v.nullable(v.number()),
    width: v.nullable(v.number()),
    height: v.nullable(v.number()),
    seed: v.nullable(v.number()),
  }),
  error: v.nullable(TaskError),
  cost: v.pipe(v.number(), v.description("Credits: reserved while processing, charged once succeeded, 0 once failed (refunded in full).")),
  user: v.nullable(v.string()),
  created_at: v.number(),
  updated_at: v.number(),
  completed_at: v.nullable(v.number()),
  expires_at: v.nullable(v.number()),
});

/** The public task object of API.md §4, as GET returns it and as webhooks carry it: a view of the domain task. */
export async function presentTask(cfg: Config, origin: string, task: TaskRecord): Promise<v.InferOutput<typeof TaskObject>> {
  const now = Math.floor(Date.now() / 1000);
  const videoExpiry = videoExpiresAt(cfg, task);
  // A URL never outlives the video it points at; past retention there is no URL at all.
  const video = task.state === "succeeded" && videoExpiry !== null && videoExpiry > now ? task.result.video : null;
  const expires = videoExpiry === null ? null : Math.min(urlExpiry(now), videoExpiry);
  const error: ErrorBody | null = task.error ? { code: task.error.code, message: task.error.message, param: task.error.param, type: task.error.type } : null;
  const url = video && expires !== null ? await signContentUrl(signingSecret(cfg), origin, task.id, expires) : null;
  return {
    task_id: task.id,
    object: "video.generation",
    model: task.model,
    status: publicStatus(task.state),
    format: "mp4",
    url,
    /** The vendor's cover image (Vidu), stored beside the video; null when the vendor gave none. */
    thumbnail_url: url && task.result.cover_key ? `${url}&variant=thumbnail` : null,
    metadata: {
      duration: video?.duration ?? null,
      fps: video?.fps ?? null,
      width: video?.width ?? null,
      height: video?.height ?? null,
      seed: task.upstream.seed ?? task.requested_seed,
    },
    error,
    /** Credits: reserved while processing, charged once succeeded, 0 once failed (refunded in full). */
    cost: task.state === "failed" ? 0 : task.price,
    user: task.user,
    created_at: task.created_at,
    updated_at: task.updated_at,
    completed_at: task.completed_at,
    expires_at: expires,
  };
}

/** Where the outside world reaches this gateway: PUBLIC_BASE_URL, else the incoming request's origin. */
export function publicOrigin(cfg: Config, requestUrl: string): string {
  return cfg.publicBaseUrl ?? new URL(requestUrl).origin;
}
