import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { sha256Hex } from "../lib/crypto.ts";
import { presentTask, publicOrigin } from "../present/task.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { isFinal, publicStatus } from "../tasks/states.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { validateGeneration } from "./generation-input.ts";
import { ownedTask } from "./owned-task.ts";
import { submitGeneration } from "./submit-generation.ts";

const MAX_BODY = 20 * 1024 * 1024;
const MAX_WAIT_S = 60;
const MAX_LIST = 100;

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
      const origin = publicOrigin(c.var.config, c.req.url);
      const { text, json } = await readJsonText(c.req.raw);
      const request = validateGeneration(json, c.var.config, origin);
      return submitGeneration(c, request, await sha256Hex(text), origin);
    },
  )
  .get("/", requireApiKey, async (c) => {
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? 20 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > MAX_LIST) throw new ApiError(400, `limit must be an integer from 1 to ${MAX_LIST}.`, "invalid_value", "limit");
    const after = c.req.query("after") ?? null;
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
