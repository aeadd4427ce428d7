import { Hono } from "hono";
import { signingSecret } from "../config.ts";
import { verifyCallbackToken } from "../lib/signed-urls.ts";
import { providerFor } from "../providers/registry.ts";
import { taskAccount } from "../tasks/accounts.ts";
import { wakeWorkflow } from "../tasks/workflow-control.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError } from "./errors.ts";
import { findTask } from "./owned-task.ts";
import { documented } from "./route-docs.ts";

const unauthorized = (why: string) => new ApiError(401, `This callback does not verify: ${why}.`, "invalid_callback_signature");

/**
 * Vendor callbacks. The URL token (bound to the task) and the vendor's own signature are checked before anything
 * else; a verified callback only wakes the task's workflow, which confirms the status with the vendor before the
 * task changes state. So repeated, late or out-of-order callbacks cannot move a task.
 */
const doc = documented({
  tag: "Vendor callbacks",
  public: true,
  summary: "A vendor's task callback (Kling, Vidu, Ark)",
  description:
    "The per-task URL the gateway gives the vendor; the body is the vendor's own. It only wakes the task, whose status is then confirmed with the vendor.",
  query: { token: "The task's callback token." },
  ok: { description: "Taken." },
  errors: [401, 404],
});

export const callbacks = new Hono<AppEnv>().post("/:vendor/:id", doc, async (c) => {
  const { vendor, id } = c.req.param();
  const cfg = c.var.config;
  const token = c.req.query("token") ?? "";
  if (!/^[\w-]{1,100}$/.test(id) || !(await verifyCallbackToken(signingSecret(cfg), id, token))) throw unauthorized("the URL token is wrong");
  const task = await findTask(c.env, id);
  if (!task || task.vendor !== vendor) throw new ApiError(404, `No ${vendor} task "${id}".`, "task_not_found");

  const provider = providerFor(task.vendor);
  const raw = await c.req.text();
  if (provider.verifyCallback) {
    // Signed with the key of the account that accepted the task, and no other account's.
    const account = taskAccount(cfg, task.vendor, task.upstream.account);
    if (!account) throw unauthorized(`the ${provider.name} account of this task is not configured`);
    const verdict = await provider.verifyCallback(account.credentials, c.req.raw, Date.now());
    if ("error" in verdict) throw unauthorized(verdict.error);
    if (!(await c.env.TASKS.getByName(id).claimNonce(verdict.nonce))) throw unauthorized("its nonce was already used (a replay)");
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ApiError(400, "The callback body is not JSON.", "invalid_callback");
  }
  const report = provider.readCallback?.(body);
  if (!report) throw new ApiError(400, `The callback body is not a ${provider.name} task.`, "invalid_callback");
  if (task.upstream.id && report.upstreamId && report.upstreamId !== task.upstream.id) {
    throw new ApiError(400, `The callback reports ${provider.name} task ${report.upstreamId}, not this task's.`, "invalid_callback");
  }
  await wakeWorkflow(c.env, id, "callback");
  return c.json({ received: true });
});
