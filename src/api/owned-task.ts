import type { Env } from "../env.ts";
import { isFinal } from "../tasks/states.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import { ApiError } from "./errors.ts";

const TASK_ID = /^[\w-]{1,100}$/;

/**
 * Finished tasks as this isolate last read them. A final task no longer changes in anything it shows (its daily URL
 * is made when it is presented), so reading one again needs no TaskObject round trip. A delete applies at once in the
 * isolate that made it; other isolates drop their copy within FINISHED_CACHE_MS.
 */
const FINISHED_CACHE_MS = 10_000;
const CACHE_ENTRIES = 5_000;
const finished = new Map<string, { task: TaskRecord; atMs: number }>();

/** Reads a task by id; null for an id that cannot be one, and for a deleted task. */
export async function findTask(env: Env, id: string): Promise<TaskRecord | null> {
  if (!TASK_ID.test(id)) return null;
  const cached = finished.get(id);
  if (cached && Date.now() - cached.atMs < FINISHED_CACHE_MS) return cached.task;
  const task = await env.TASKS.getByName(id).read();
  if (!task || task.deleted_at) {
    finished.delete(id);
    return null;
  }
  // A final task whose submission is still open may yet learn its vendor's seed: it is read afresh until settled.
  if (isFinal(task.state) && !task.submit.open) {
    if (finished.size >= CACHE_ENTRIES) finished.clear();
    finished.set(id, { task, atMs: Date.now() });
  }
  return task;
}

/** A deleted task reads as absent from now on in this isolate. */
export function forgetFinishedTask(id: string): void {
  finished.delete(id);
}

/** Reads a task for its owner; any other key, like an unknown id, gets 404. */
export async function ownedTask(env: Env, id: string, owner: string): Promise<TaskRecord> {
  const task = await findTask(env, id);
  if (!task || task.owner !== owner) throw new ApiError(404, `No task "${id}" for this API key.`, "task_not_found", "task_id");
  return task;
}
