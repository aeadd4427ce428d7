import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requireApiKey } from "../auth/api-keys.ts";
import { callbackToken } from "../auth/signed-urls.ts";
import type { AppEnv } from "../app-env.ts";
import { toHex } from "../auth/crypto.ts";
import { parseDuration } from "../lib/duration.ts";
import { ApiError } from "../lib/errors.ts";
import { savePlan } from "../tasks/plan-store.ts";
import { isFinal } from "../tasks/states.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import { validateGeneration } from "./generation-input.ts";
import { presentTask, publicOrigin } from "./present.ts";

const MAX_BODY = 20 * 1024 * 1024;
/** How long POST waits for the vendor to accept, so a refusal comes back as the POST's own error. */
const ACCEPT_WAIT_MS = 5_000;
const MAX_WAIT_S = 60;

function newTaskId(): string {
  return `vgt_${Date.now().toString(36)}${toHex(crypto.getRandomValues(new Uint8Array(10)))}`;
}

async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new ApiError(415, "Send the body as JSON with `Content-Type: application/json`.", "unsupported_media_type");
  }
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, `The body is not valid JSON: ${(err as Error).message}.`, "invalid_json");
  }
}

/** Reads a task for its owner; any other key, like an unknown id, gets 404. */
export async function ownedTask(env: AppEnv["Bindings"], id: string, owner: string): Promise<TaskRecord> {
  const task = /^[\w-]{1,100}$/.test(id) ? await env.TASKS.getByName(id).read() : null;
  if (!task || task.owner !== owner) throw new ApiError(404, `No task "${id}" for this API key.`, "task_not_found", "task_id");
  return task;
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
      const request = validateGeneration(await readJson(c.req.raw), env, origin);
      const id = newTaskId();
      const callbackUrl = `${origin}/v1/callbacks/${request.provider.vendor}/${id}?token=${await callbackToken(env, id)}`;
      const plan = request.provider.plan(request.input, request.model, { taskId: id, callbackUrl });
      await savePlan(env, id, plan);

      const now = Date.now();
      const stub = env.TASKS.getByName(id);
      await stub.create({
        id,
        owner: c.var.caller.keyId,
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
      await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });

      const task = (await stub.waitFor("accepted", ACCEPT_WAIT_MS))!;
      if (task.state === "failed" && task.error) {
        const { status, code, message } = task.error;
        throw new ApiError(status, message, code, null);
      }
      return c.json(await presentTask(env, origin, task));
    },
  )
  .get("/:id", requireApiKey, async (c) => {
    const id = c.req.param("id");
    let task = await ownedTask(c.env, id, c.var.caller.keyId);
    const wait = waitSeconds(c.req.query("wait"));
    // ?wait=N is held by the TaskObject (woken by the transition itself), not by polling here.
    if (wait > 0 && !isFinal(task.state)) task = (await c.env.TASKS.getByName(id).waitFor("final", wait * 1000)) ?? task;
    return c.json(await presentTask(c.env, publicOrigin(c.env, c.req.url), task));
  });

function waitSeconds(text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_WAIT_S) {
    throw new ApiError(400, `wait must be a number of seconds from 0 to ${MAX_WAIT_S}.`, "invalid_value", "wait");
  }
  return seconds;
}
