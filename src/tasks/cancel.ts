import type { Env } from "../env.ts";
import { ApiError, taskError } from "../lib/errors.ts";
import { exchange } from "../providers/client.ts";
import { providerFor } from "../providers/registry.ts";
import { isFinal, publicStatus } from "./states.ts";
import type { TaskRecord } from "./task-record.ts";
import { CALLBACK_EVENT } from "./task-workflow.ts";

/**
 * Ends a processing task as failed/cancelled, asks the vendor to cancel where it can (Vidu), and wakes the
 * workflow so it stops at once (its next step sees a final task) and still delivers the user's webhook.
 */
export async function cancelTask(env: Env, task: TaskRecord): Promise<TaskRecord> {
  const alreadyFinal = () =>
    new ApiError(409, `Task ${task.id} already ${publicStatus(task.state)}; only a processing task can be cancelled.`, "task_not_cancellable", "task_id");
  if (isFinal(task.state)) throw alreadyFinal();
  const after = await env.TASKS.getByName(task.id).failed(taskError(409, "cancelled", "The task was cancelled by its owner."));
  if (after.error?.code !== "cancelled") throw alreadyFinal(); // it finished in the meantime

  const provider = providerFor(task.vendor);
  if (provider.cancelCall && after.upstream_id) {
    // Best effort: a vendor that has already scheduled the task refuses, and the task is cancelled here anyway.
    await exchange(provider, env, provider.cancelCall(after.upstream_id), () => ({ kind: "pending", vendorStatus: "cancelling" }));
  }
  try {
    await (await env.TASK_WORKFLOW.get(task.id)).sendEvent({ type: CALLBACK_EVENT, payload: { status: "cancelled" } });
  } catch {
    // The workflow already ended.
  }
  return after;
}
