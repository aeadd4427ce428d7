import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Admission, KeyObject } from "../keys/key-object.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { presentTask, publicOrigin } from "../present/task.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { createTask, newTaskId } from "../tasks/create.ts";
import { isFinal, publicStatus } from "../tasks/states.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { validateGeneration } from "./generation-input.ts";
import { readJsonText } from "./json-body.ts";
import { ownedTask } from "./owned-task.ts";
import { pageQuery } from "./validation.ts";

const MAX_BODY = 20 * 1024 * 1024;
const MAX_WAIT_S = 60;

function idempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new ApiError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.", "invalid_value", "Idempotency-Key");
  }
  return header;
}

/** What admission control says, as an answer; null means "go ahead". */
function refusal(admission: Exclude<Admission, { kind: "go" }>): Response {
  switch (admission.kind) {
    case "replay":
      return new Response(admission.response.body, {
        status: admission.response.status,
        headers: { "content-type": "application/json", "idempotent-replayed": "true" },
      });
    case "mismatch":
      throw new ApiError(
        422,
        "This Idempotency-Key was already used with a different body; use a new key for a new request.",
        "idempotency_key_reused",
        "Idempotency-Key",
      );
    case "limited":
      throw new ApiError(
        429,
        admission.reason === "rate"
          ? `Too many requests for this API key; retry after ${admission.retryAfterS} s.`
          : `This API key has too many tasks processing at once; retry when some finish (about ${admission.retryAfterS} s).`,
        admission.reason === "rate" ? "rate_limit_exceeded" : "concurrency_limit_exceeded",
        null,
        { "retry-after": String(admission.retryAfterS) },
      );
  }
}

/**
 * Runs `create` and answers with the task whenever one exists: once its TaskObject exists the task will run (its
 * watchdog starts a workflow that failed to start), so an error after that point must not hide it. An error
 * before it leaves nothing that can reach a vendor, and frees the Idempotency-Key. When even that cannot be told
 * (the TaskObject does not answer), the key stays held by this task id, and a retry with it carries on with the same
 * task once this request's lease ends.
 */
async function createOrExplain(
  env: AppEnv["Bindings"],
  keys: DurableObjectStub<KeyObject>,
  idemKey: string | null,
  taskId: string,
  create: () => Promise<TaskRecord>,
): Promise<TaskRecord> {
  try {
    return await create();
  } catch (err) {
    const existing = await env.TASKS.getByName(taskId)
      .read()
      .catch(() => undefined);
    if (existing) return existing;
    if (existing === null) {
      // Never created: its reservation (if it got one) is withdrawn, so the key pays nothing for it.
      await Promise.allSettled([keys.forgetTask(taskId), keys.release(taskId), idemKey === null ? undefined : keys.abandon(idemKey)]);
    }
    throw err;
  }
}

function waitSeconds(text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = /^\d{1,3}(\.\d{1,3})?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= MAX_WAIT_S)) {
    throw new ApiError(400, `wait must be a number of seconds from 0 to ${MAX_WAIT_S}.`, "invalid_value", "wait");
  }
  return seconds;
}

export const generations = new Hono<AppEnv>()
  .post(
    "/",
    requireApiKey,
    bodyLimit({
      maxSize: MAX_BODY,
      onError: () => {
        throw new ApiError(413, "The request body is larger than 20 MiB; send the image as a URL instead.", "request_too_large");
      },
    }),
    async (c) => {
      const env = c.env;
      const cfg = c.var.config;
      const origin = publicOrigin(cfg, c.req.url);
      const { text, json } = await readJsonText(c.req.raw);
      const request = validateGeneration(json, cfg, origin);
      const { caller } = c.var;
      if (caller.models !== null && !caller.models.includes(request.model.spec.id)) {
        throw new ApiError(403, `This API key may not use ${request.model.spec.id}; it may use ${caller.models.join(", ")}.`, "model_not_allowed", "model");
      }
      const idemKey = idempotencyKey(c.req.header("idempotency-key"));
      const keys = env.KEYS.getByName(caller.keyId);
      const admission = await keys.admit(idemKey, await sha256Hex(text), caller.limits, newTaskId());
      if (admission.kind !== "go") return refusal(admission);

      const task = await createOrExplain(c.env, keys, idemKey, admission.taskId, () => createTask(env, c.var.caller.keyId, origin, request, admission.taskId));
      if (task.state === "failed" && task.error) {
        // The task ended before the vendor took it: that reason is the POST's own answer, also for a replay.
        const { status, code, message } = task.error;
        const error = new ApiError(status, message, code, null);
        if (task.submit.open) {
          // The vendor may have the task (its answer was lost): it stays listed, and a retry with the key replays
          // this answer rather than submitting again.
          await keys.settle(idemKey, { status, body: JSON.stringify(error.body) });
          throw error;
        }
        // A definite refusal: nothing exists at the vendor. A retry may try again when the trouble is the gateway's
        // or the vendor account's (5xx); a refusal of the request itself (4xx) is replayed.
        await keys.forgetTask(task.id);
        if (status >= 500 && idemKey !== null) await keys.abandon(idemKey);
        else await keys.settle(idemKey, { status, body: JSON.stringify(error.body) });
        throw error;
      }
      const body = JSON.stringify(await presentTask(cfg, origin, task));
      // The task runs whatever happens to this record: a retry with the key then carries on with the same task.
      await keys
        .settle(idemKey, { status: 200, body })
        .catch((err: Error) => console.error(`task ${task.id}: its Idempotency-Key was not settled: ${err.message}`));
      return c.body(body, 200, { "content-type": "application/json" });
    },
  )
  .get("/", requireApiKey, async (c) => {
    const { limit, after } = pageQuery(c.req.query("limit"), c.req.query("after"));
    const page = await c.env.KEYS.getByName(c.var.caller.keyId).list(limit, after);
    if (!page) throw new ApiError(400, `after must be the task_id of one of your tasks (the last_id of the previous page).`, "invalid_value", "after");
    const origin = publicOrigin(c.var.config, c.req.url);
    const tasks = await Promise.all(page.ids.map((id) => c.env.TASKS.getByName(id).read()));
    const data = await Promise.all(tasks.filter((t) => t !== null).map((t) => presentTask(c.var.config, origin, t)));
    return c.json({ object: "list", data, has_more: page.hasMore, last_id: data.at(-1)?.task_id ?? null });
  })
  .get("/:id", requireApiKey, async (c) => {
    const id = c.req.param("id");
    let task = await ownedTask(c.env, id, c.var.caller.keyId);
    const wait = waitSeconds(c.req.query("wait"));
    // ?wait=N is held by the TaskObject (woken by the transition itself), not by polling here.
    if (wait > 0 && !isFinal(task.state)) task = (await c.env.TASKS.getByName(id).waitFor("final", wait * 1000)) ?? task;
    return c.json(await presentTask(c.var.config, publicOrigin(c.var.config, c.req.url), task));
  })
  .post("/:id/cancel", requireApiKey, async (c) => {
    const task = await ownedTask(c.env, c.req.param("id"), c.var.caller.keyId);
    const cancelled = isFinal(task.state) ? null : await cancelTask(c.env, task.id);
    if (!cancelled) {
      const final = (await c.env.TASKS.getByName(task.id).read()) ?? task;
      throw new ApiError(
        409,
        `Task ${task.id} already ${publicStatus(final.state)}; only a processing task can be cancelled.`,
        "task_not_cancellable",
        "task_id",
      );
    }
    return c.json(await presentTask(c.var.config, publicOrigin(c.var.config, c.req.url), cancelled));
  });
