import { Hono } from "hono";
import * as v from "valibot";
import { sha256Hex } from "../lib/crypto.ts";
import { presentTask, publicOrigin, TaskObject } from "../present/task.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { isFinal, publicStatus } from "../tasks/states.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { JIMENG_EXAMPLE, KLING_EXAMPLE, VIDU_EXAMPLE } from "./examples.ts";
import { validateGeneration } from "./generation-input.ts";
import { LIST_QUERY, listTasks, page } from "./listing.ts";
import { ownedTask } from "./owned-task.ts";
import { maxBody, readJsonText } from "./request-body.ts";
import { documented } from "./route-docs.ts";
import { GenerationBody } from "./schemas.ts";
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
  .post(
    "/",
    documented({
      tag: "Generations",
      summary: "Create a video generation task",
      description: "Waits a few seconds for the vendor to accept the task, so a vendor's refusal of the request is this answer. Honours `Idempotency-Key`.",
      body: { schema: GenerationBody, examples: { kling: KLING_EXAMPLE, jimeng: JIMENG_EXAMPLE, vidu: VIDU_EXAMPLE } },
      ok: { description: "The task, processing.", schema: TaskObject },
      errors: [400, 402, 403, 409, 413, 415, 422, 429, 502, 503],
    }),
    requireApiKey,
    maxBody,
    async (c) => {
      const origin = publicOrigin(c.var.config, c.req.url);
      const { text, json } = await readJsonText(c.req.raw);
      const request = validateGeneration(json, c.var.config, origin);
      return submitGeneration(c, request, await sha256Hex(text), origin, (task) => presentTask(c.var.config, origin, task));
    },
  )
  .get(
    "/",
    documented({
      tag: "Generations",
      summary: "List your tasks, newest first",
      query: LIST_QUERY,
      ok: { description: "A page of tasks.", schema: page(TaskObject, { has_more: v.boolean(), last_id: v.nullable(v.string()) }) },
      errors: [400],
    }),
    requireApiKey,
    async (c) => {
      const { tasks, hasMore } = await listTasks(c);
      const origin = publicOrigin(c.var.config, c.req.url);
      const data = await Promise.all(tasks.map((t) => presentTask(c.var.config, origin, t)));
      return c.json({ object: "list", data, has_more: hasMore, last_id: data.at(-1)?.task_id ?? null });
    },
  )
  .get(
    "/:id",
    documented({
      tag: "Generations",
      summary: "Read a task",
      query: { wait: "Seconds (at most 60) to hold the answer until the task is final." },
      ok: { description: "The task.", schema: TaskObject },
      errors: [400, 404],
    }),
    requireApiKey,
    async (c) => {
      const id = c.req.param("id");
      let task = await ownedTask(c.env, id, c.var.caller.keyId);
      const wait = waitSeconds(c.req.query("wait"));
      // ?wait=N is held by the TaskObject (woken by the transition itself), not by polling here.
      if (wait > 0 && !isFinal(task.state)) task = (await c.env.TASKS.getByName(id).waitFor("final", wait * 1000)) ?? task;
      return c.json(await presentTask(c.var.config, publicOrigin(c.var.config, c.req.url), task));
    },
  )
  .post(
    "/:id/cancel",
    documented({
      tag: "Generations",
      summary: "Cancel a processing task",
      ok: { description: "The task, failed with code cancelled.", schema: TaskObject },
      errors: [404, 409],
    }),
    requireApiKey,
    async (c) => {
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
    },
  );
