import * as v from "valibot";
import type { Config } from "../config.ts";
import { videoExpiresAt } from "../tasks/retention.ts";
import type { TaskRecord } from "../tasks/task-record.ts";

/** OpenAI's video object (API.md §9), the shape the official SDKs read; also its OpenAPI description. */
export const VideoObject = v.object({
  id: v.string(),
  object: v.literal("video"),
  model: v.string(),
  status: v.picklist(["queued", "in_progress", "completed", "failed"]),
  progress: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)),
  created_at: v.number(),
  completed_at: v.nullable(v.number()),
  expires_at: v.nullable(v.number()),
  seconds: v.pipe(v.string(), v.description("Clip length in seconds, as requested (or the model's default).")),
  size: v.nullable(v.pipe(v.string(), v.description("WIDTHxHEIGHT: the stored video's, else the requested one (null when neither is known yet)."))),
  prompt: v.nullable(v.string()),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
  remixed_from_video_id: v.null(),
});
type VideoObject = v.InferOutput<typeof VideoObject>;

/**
 * What an estimate of progress assumes a vendor takes to render one second of video. No vendor's status answer
 * carries a progress figure, so progress is estimated from the time since creation against this.
 */
const RENDER_S_PER_VIDEO_S = 20;

/** The vendor's own phase: queued until it reports rendering (or has finished rendering and we copy the file). */
function status(task: TaskRecord): VideoObject["status"] {
  switch (task.state) {
    case "succeeded":
      return "completed";
    case "failed":
      return "failed";
    case "ingesting":
      return "in_progress";
    case "submitted":
      return task.upstream.running ? "in_progress" : "queued";
    case "queued":
      return "queued";
  }
}

/**
 * Honest progress: 100 only when completed, 0 while queued; in between a monotone estimate from elapsed time
 * against the typical render time, approaching but never reaching 100 (99 at most).
 */
function progress(task: TaskRecord, state: VideoObject["status"], nowS: number): number {
  if (state === "completed") return 100;
  if (state === "queued" || (state === "failed" && !task.upstream.running)) return 0;
  const typicalS = RENDER_S_PER_VIDEO_S * (task.request?.duration ?? 5);
  const elapsedS = Math.max(0, (task.completed_at ?? nowS) - task.created_at);
  return Math.min(99, Math.max(1, Math.floor(100 * (1 - Math.exp(-elapsedS / typicalS)))));
}

/** A task as OpenAI's video object: a view of the same task the unified API shows. */
export function presentVideo(cfg: Config, task: TaskRecord): VideoObject {
  const nowS = Math.floor(Date.now() / 1000);
  const state = status(task);
  const video = task.result.video;
  return {
    id: task.id,
    object: "video",
    model: task.model,
    status: state,
    progress: progress(task, state, nowS),
    created_at: task.created_at,
    completed_at: task.completed_at,
    expires_at: videoExpiresAt(cfg, task),
    seconds: String(task.request?.duration ?? (video ? Math.round(video.duration) : "")),
    size: video ? `${video.width}x${video.height}` : (task.request?.size ?? null),
    prompt: task.request?.prompt ?? null,
    error: task.error ? { code: task.error.code ?? "error", message: task.error.message } : null,
    remixed_from_video_id: null,
  };
}
