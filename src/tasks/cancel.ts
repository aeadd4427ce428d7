import { config } from "../config.ts";
import type { Env } from "../env.ts";
import { taskError } from "../lib/errors.ts";
import { exchange } from "../providers/client.ts";
import { providerFor } from "../providers/registry.ts";
import { taskAccount } from "./accounts.ts";
import type { TaskRecord } from "./task-record.ts";
import { wakeWorkflow } from "./workflow-control.ts";

/**
 * Ends a processing task as failed/cancelled, asks the vendor to cancel where it can (Vidu), and wakes the
 * workflow so it stops at once (its next step sees a final task) and still delivers the user's webhook.
 * Returns the task as it then is, or null when it was already final (nothing changed).
 */
export async function cancelTask(env: Env, id: string): Promise<TaskRecord | null> {
  const stub = env.TASKS.getByName(id);
  if (!(await stub.failed(taskError(409, "cancelled", "The task was cancelled by its owner.")))) return null;
  const after = (await stub.read())!;
  const provider = providerFor(after.vendor);
  const cfg = config(env);
  // The account that accepted the task: no other account can see it.
  const account = taskAccount(cfg, after.vendor, after.upstream.account);
  if (provider.cancelCall && after.upstream.id && account) {
    // Best effort: a vendor that has already scheduled the task refuses, and the task is cancelled here anyway.
    await exchange(provider, cfg, account, provider.cancelCall(after.upstream.id), () => ({ kind: "pending", vendorStatus: "cancelling", running: true }));
  }
  await wakeWorkflow(env, id, "cancel");
  return after;
}
