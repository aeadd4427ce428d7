import type { Config } from "../config.ts";
import type { TaskRecord } from "./task-record.ts";

/**
 * When a finished video stops being served (Unix seconds): VIDEO_RETENTION after completion. The R2 lifecycle
 * rule on `videos/` (scripts/r2-lifecycle.ts) deletes the bytes about then; the gateway answers 410 from this
 * moment whatever the bucket still holds.
 */
export function videoExpiresAt(cfg: Config, task: TaskRecord): number | null {
  if (task.state !== "succeeded" || task.completed_at === null) return null;
  return task.completed_at + cfg.videoRetentionS;
}
