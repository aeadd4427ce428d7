import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { verifyCallbackToken } from "../auth/signed-urls.ts";
import { ApiError } from "../lib/errors.ts";
import { providerFor } from "../providers/registry.ts";
import { CALLBACK_EVENT } from "../tasks/task-workflow.ts";

const unauthorized = (why: string) => new ApiError(401, `This callback does not verify: ${why}.`, "invalid_callback_signature");

/**
 * Vendor callbacks. The URL token (bound to the task) and the vendor's own signature are checked before anything
 * else; a verified callback only wakes the task's workflow, which confirms the status with the vendor before the
 * task changes state. So repeated, late or out-of-order callbacks cannot move a task.
 */
export const callbacks = new Hono<AppEnv>().post("/:vendor/:id", async (c) => {
  const { vendor, id } = c.req.param();
  const token = c.req.query("token") ?? "";
  if (!/^[\w-]{1,100}$/.test(id) || !(await verifyCallbackToken(c.env, id, token))) throw unauthorized("the URL token is wrong");
  const stub = c.env.TASKS.getByName(id);
  const task = await stub.read();
  if (!task || task.vendor !== vendor) throw new ApiError(404, `No ${vendor} task "${id}".`, "task_not_found");

  const provider = providerFor(task.vendor);
  const raw = await c.req.text();
  if (provider.verifyCallback) {
    const verdict = await provider.verifyCallback(c.env, c.req.raw, raw, Date.now());
    if ("error" in verdict) throw unauthorized(verdict.error);
    if (!(await stub.claimNonce(verdict.nonce))) throw unauthorized("its nonce was already used (a replay)");
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ApiError(400, "The callback body is not JSON.", "invalid_callback");
  }
  const report = provider.readCallback?.(body);
  if (!report) throw new ApiError(400, `The callback body is not a ${provider.name} task.`, "invalid_callback");
  if (task.upstream_id && report.upstreamId && report.upstreamId !== task.upstream_id) {
    throw new ApiError(400, `The callback reports ${provider.name} task ${report.upstreamId}, not this task's.`, "invalid_callback");
  }
  try {
    const instance = await c.env.TASK_WORKFLOW.get(id);
    await instance.sendEvent({ type: CALLBACK_EVENT, payload: { status: report.status } });
  } catch {
    // The workflow already ended: the task's state is settled, and a late callback changes nothing.
  }
  return c.json({ received: true });
});
