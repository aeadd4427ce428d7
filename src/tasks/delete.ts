import type { Env } from "../env.ts";
import { coverKey, videoKey } from "../storage/layout.ts";
import { isFinal } from "./states.ts";
import type { TaskRecord } from "./task-record.ts";

/**
 * Deletes a final task at its owner's request: its stored bytes first (so a retry after a failure finds them still
 * to delete), then the task reads as absent, then it leaves its key's list. False for a task still processing.
 */
export async function deleteTask(env: Env, task: TaskRecord): Promise<boolean> {
  if (!isFinal(task.state)) return false;
  await env.VIDEOS.delete([task.result.video?.key ?? videoKey(task.id), task.result.cover_key ?? coverKey(task.id)]);
  if (!(await env.TASKS.getByName(task.id).markDeleted())) return false;
  await env.KEYS.getByName(task.owner).forgetTask(task.id);
  return true;
}
