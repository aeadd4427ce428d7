import { Hono } from "hono";
import { sha256Hex } from "../lib/crypto.ts";
import { presentTask, publicOrigin } from "../present/task.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { isFinal, publicStatus } from "../tasks/states.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { validateGeneration } from "./generation-input.ts";
import { listTasks } from "./listing.ts";
import { ownedTask } from "./owned-task.ts";
import { maxBody, readJsonText } from "./request-body.ts";
import { submitGeneration } from "./submit-generation.ts";

const MAX_WAIT_S = 60;

function waitSeconds(text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = /^\d{1,3}(\.\d{1,3})?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= MAX_WAIT_S)) {
    throw new ApiError(400, `wait must be a number of seconds from 0 to ${MAX_WAIT_S}.`, "invalid_value", "wait");
  }
  return seconds;
}

export const generations = new Hono<AppEnv>()
  .post("/", requireApiKey, maxBody, async (c) => {
    const origin = publicOrigin(c.var.config, c.req.url);
    const { text, json } = await readJsonText(c.req.raw);
    const request = validateGeneration(json, c.var.config, origin);
    return submitGeneration(c, request, await sha256Hex(text), origin, (task) => presentTask(c.var.config, origin, task));
  })
  .get("/", requireApiKey, async (c) => {
    const { tasks, hasMore } = await listTasks(c);
    const origin = publicOrigin(c.var.config, c.req.url);
    const data = await Promise.all(tasks.map((t) => presentTask(c.var.config, origin, t)));
    return c.json({ object: "list", data, has_more: hasMore, last_id: data.at(-1)?.task_id ?? null });
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
