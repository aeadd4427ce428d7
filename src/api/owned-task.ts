import type { Env } from "../env.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import { ApiError } from "./errors.ts";

const TASK_ID = /^[\w-]{1,100}$/;

/** Reads a task by id; null for an id that cannot be one, and for a deleted task. */
export async function findTask(env: Env, id: string): Promise<TaskRecord | null> {
  const task = TASK_ID.test(id) ? await env.TASKS.getByName(id).read() : null;
  return task?.deleted_at ? null : task;
}

/** Reads a task for its owner; any other key, like an unknown id, gets 404. */
export async function ownedTask(env: Env, id: string, owner: string): Promise<TaskRecord> {
  const task = await findTask(env, id);
  if (!task || task.owner !== owner) throw new ApiError(404, `No task "${id}" for this API key.`, "task_not_found", "task_id");
  return task;
}
