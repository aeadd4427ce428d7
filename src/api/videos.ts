import { Hono } from "hono";
import { presentVideo } from "../present/openai-video.ts";
import { publicOrigin } from "../present/task.ts";
import { deleteTask } from "../tasks/delete.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { deliver } from "./content.ts";
import { ApiError } from "./errors.ts";
import { listTasks } from "./listing.ts";
import { ownedTask } from "./owned-task.ts";
import { maxBody } from "./request-body.ts";
import { submitGeneration } from "./submit-generation.ts";
import { validateVideoRequest } from "./video-input.ts";

/** OpenAI's Videos API (API.md §9) over the same tasks, ids, limits and Idempotency-Keys as /v1/video/generations. */
export const videos = new Hono<AppEnv>()
  .post("/", requireApiKey, maxBody, async (c) => {
    const origin = publicOrigin(c.var.config, c.req.url);
    const { request, bodySha } = await validateVideoRequest(c.req.raw, c.var.config, origin);
    return submitGeneration(c, request, bodySha, origin, async (task) => presentVideo(c.var.config, task));
  })
  .get("/", requireApiKey, async (c) => {
    const order = c.req.query("order") ?? "desc";
    if (order !== "asc" && order !== "desc") throw new ApiError(400, 'order must be "asc" or "desc".', "invalid_value", "order");
    const { tasks, hasMore } = await listTasks(c, order);
    const data = tasks.map((t) => presentVideo(c.var.config, t));
    return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore });
  })
  .get("/:id", requireApiKey, async (c) => {
    const task = await ownedTask(c.env, c.req.param("id"), c.var.caller.keyId);
    return c.json(presentVideo(c.var.config, task));
  })
  .delete("/:id", requireApiKey, async (c) => {
    const id = c.req.param("id");
    const task = await ownedTask(c.env, id, c.var.caller.keyId);
    if (!(await deleteTask(c.env, task))) {
      throw new ApiError(
        409,
        `Video ${id} is still ${presentVideo(c.var.config, task).status}; only a completed or failed video can be deleted.`,
        "video_not_deletable",
        "video_id",
      );
    }
    return c.json({ id, object: "video.deleted", deleted: true });
  })
  .on(["GET", "HEAD"], "/:id/content", requireApiKey, async (c) => {
    const id = c.req.param("id");
    const variant = c.req.query("variant") ?? "video";
    if (variant !== "video" && variant !== "thumbnail") {
      throw new ApiError(400, `variant must be "video" or "thumbnail" (this gateway makes no ${variant}).`, "invalid_value", "variant");
    }
    const task = await ownedTask(c.env, id, c.var.caller.keyId);
    return deliver(c, task, null, variant);
  });
