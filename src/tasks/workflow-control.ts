import type { Env } from "../env.ts";

/** What a task's workflow instance is started with (its instance id is the task id). */
export interface TaskParams {
  taskId: string;
}

/** The event that wakes a waiting workflow early: a verified vendor callback, or a cancel. */
export const WAKE_EVENT = "wake";

export type WakeReason = "callback" | "cancel";

/** The one place workflows are started, woken and restarted. */
export async function startWorkflow(env: Env, taskId: string): Promise<void> {
  try {
    await env.TASK_WORKFLOW.create({ id: taskId, params: { taskId } });
  } catch (err) {
    // Starting twice (a resumed POST, the watchdog) finds the instance already there: that is the point.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}

/** Wakes the task's workflow; it then checks with the vendor (or the TaskObject) before anything changes. */
export async function wakeWorkflow(env: Env, taskId: string, reason: WakeReason): Promise<void> {
  try {
    await (await env.TASK_WORKFLOW.get(taskId)).sendEvent({ type: WAKE_EVENT, payload: { reason } });
  } catch {
    // The workflow already ended: the task is settled, and a late wake changes nothing.
  }
}

/** Restarts a stuck workflow from the start (its steps pick up from the TaskObject), or starts a missing one. */
export async function restartWorkflow(env: Env, taskId: string): Promise<void> {
  try {
    await (await env.TASK_WORKFLOW.get(taskId)).restart();
  } catch {
    await startWorkflow(env, taskId).catch(() => {});
  }
}
