import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requireApiKey } from "../auth/api-keys.ts";
import { sha256Hex, toHex } from "../auth/crypto.ts";
import { callbackToken } from "../auth/signed-urls.ts";
import type { AppEnv } from "../app-env.ts";
import type { Env } from "../env.ts";
import type { Admission } from "../keys/key-object.ts";
import { parseDuration } from "../lib/duration.ts";
import { ApiError } from "../lib/errors.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { savePlan } from "../tasks/plan-store.ts";
import { isFinal } from "../tasks/states.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import { validateGeneration, type ValidatedGeneration } from "./generation-input.ts";
import { presentTask, publicOrigin } from "./present.ts";

const MAX_BODY = 20 * 1024 * 1024;
/** How long POST waits for the vendor to accept, so a refusal comes back as the POST's own error. */
const ACCEPT_WAIT_MS = 5_000;
const MAX_WAIT_S = 60;
const MAX_LIST = 100;

function newTaskId(): string {
  return `vgt_${Date.now().toString(36)}${toHex(crypto.getRandomValues(new Uint8Array(10)))}`;
}

async function readJsonText(request: Request): Promise<{ text: string; json: unknown }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new ApiError(415, "Send the body as JSON with `Content-Type: application/json`.", "unsupported_media_type");
  }
  const text = await request.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch (err) {
    throw new ApiError(400, `The body is not valid JSON: ${(err as Error).message}.`, "invalid_json");
  }
}

/** Reads a task for its owner; any other key, like an unknown id, gets 404. */
export async function ownedTask(env: Env, id: string, owner: string): Promise<TaskRecord> {
  const task = /^[\w-]{1,100}$/.test(id) ? await env.TASKS.getByName(id).read() : null;
  if (!task || task.owner !== owner) throw new ApiError(404, `No task "${id}" for this API key.`, "task_not_found", "task_id");
  return task;
}

function idempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new ApiError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.", "invalid_value", "Idempotency-Key");
  }
  return header;
}

function limitOf(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** What admission control says, as an answer; null means "go ahead". */
function refusal(admission: Admission): Response | null {
  switch (admission.kind) {
    case "go":
      return null;
    case "replay":
      return new Response(admission.response.body, {
        status: admission.response.status,
        headers: { "content-type": "application/json", "idempotent-replayed": "true" },
      });
    case "mismatch":
      throw new ApiError(422, "This Idempotency-Key was already used with a different body; use a new key for a new request.", "idempotency_key_reused", "Idempotency-Key");
    case "in_progress":
      throw new ApiError(409, "A request with this Idempotency-Key is still being processed; retry shortly.", "idempotency_in_progress", "Idempotency-Key");
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

/** Creates the task and its workflow, then waits (held by the TaskObject) for the vendor's acceptance. */
async function createTask(env: Env, owner: string, origin: string, request: ValidatedGeneration): Promise<TaskRecord> {
  const id = newTaskId();
  const callbackUrl = `${origin}/v1/callbacks/${request.provider.vendor}/${id}?token=${await callbackToken(env, id)}`;
  const plan = request.provider.plan(request.input, request.model, { taskId: id, callbackUrl });
  await savePlan(env, id, plan);
  const now = Date.now();
  const stub = env.TASKS.getByName(id);
  await stub.create({
    id,
    owner,
    model: request.model.id,
    vendor: request.provider.vendor,
    created_at: Math.floor(now / 1000),
    origin,
    deadline_ms: now + parseDuration(env.TASK_DEADLINE || "2h"),
    user: request.user,
    requested_seed: request.requestedSeed,
    webhook_url: request.webhookUrl,
    upstream_ref: plan.ref,
  });
  await env.KEYS.getByName(owner).addTask(id, now);
  await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
  return (await stub.waitFor("accepted", ACCEPT_WAIT_MS))!;
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
      const origin = publicOrigin(env, c.req.url);
      const { text, json } = await readJsonText(c.req.raw);
      const request = validateGeneration(json, env, origin);
      const idemKey = idempotencyKey(c.req.header("idempotency-key"));
      const keys = env.KEYS.getByName(c.var.caller.keyId);
      const limits = { perMinute: limitOf(env.RATE_LIMIT_PER_MINUTE, 1000), concurrent: limitOf(env.MAX_CONCURRENT_TASKS, 500) };
      const replay = refusal(await keys.admit(idemKey, await sha256Hex(text), limits));
      if (replay) return replay;

      let task: TaskRecord;
      try {
        task = await createTask(env, c.var.caller.keyId, origin, request);
      } catch (err) {
        if (idemKey !== null) await keys.abandon(idemKey);
        throw err;
      }
      if (task.state === "failed" && task.error) {
        // The vendor refused the request itself: that refusal is the answer, also for a replay.
        const { status, code, message } = task.error;
        const error = new ApiError(status, message, code, null);
        await keys.forgetTask(task.id);
        if (status >= 500 && idemKey !== null) await keys.abandon(idemKey);
        else await keys.settle(idemKey, { status, body: JSON.stringify(error.body) });
        throw error;
      }
      const body = JSON.stringify(await presentTask(env, origin, task));
      await keys.settle(idemKey, { status: 200, body });
      return c.body(body, 200, { "content-type": "application/json" });
    },
  )
  .get("/", requireApiKey, async (c) => {
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? 20 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > MAX_LIST) throw new ApiError(400, `limit must be an integer from 1 to ${MAX_LIST}.`, "invalid_value", "limit");
    const after = c.req.query("after") ?? null;
    const page = await c.env.KEYS.getByName(c.var.caller.keyId).list(limit, after);
    if (!page) throw new ApiError(400, `after must be the task_id of one of your tasks (the last_id of the previous page).`, "invalid_value", "after");
    const origin = publicOrigin(c.env, c.req.url);
    const tasks = await Promise.all(page.ids.map((id) => c.env.TASKS.getByName(id).read()));
    const data = await Promise.all(tasks.filter((t) => t !== null).map((t) => presentTask(c.env, origin, t)));
    return c.json({ object: "list", data, has_more: page.hasMore, last_id: data.at(-1)?.task_id ?? null });
  })
  .get("/:id", requireApiKey, async (c) => {
    const id = c.req.param("id");
    let task = await ownedTask(c.env, id, c.var.caller.keyId);
    const wait = waitSeconds(c.req.query("wait"));
    // ?wait=N is held by the TaskObject (woken by the transition itself), not by polling here.
    if (wait > 0 && !isFinal(task.state)) task = (await c.env.TASKS.getByName(id).waitFor("final", wait * 1000)) ?? task;
    return c.json(await presentTask(c.env, publicOrigin(c.env, c.req.url), task));
  })
  .post("/:id/cancel", requireApiKey, async (c) => {
    const task = await ownedTask(c.env, c.req.param("id"), c.var.caller.keyId);
    const cancelled = await cancelTask(c.env, task);
    return c.json(await presentTask(c.env, publicOrigin(c.env, c.req.url), cancelled));
  });
