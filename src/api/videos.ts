import { Hono } from "hono";
import * as v from "valibot";
import { presentVideo, VideoObject } from "../present/openai-video.ts";
import { publicOrigin } from "../present/task.ts";
import { deleteTask } from "../tasks/delete.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { deliver } from "./content.ts";
import { ApiError } from "./errors.ts";
import { VIDEO_EXAMPLE } from "./examples.ts";
import { LIST_QUERY, listTasks, page } from "./listing.ts";
import { forgetFinishedTask, ownedTask } from "./owned-task.ts";
import { maxBody } from "./request-body.ts";
import { documented } from "./route-docs.ts";
import { VideoCreateBody } from "./schemas.ts";
import { submitGeneration } from "./submit-generation.ts";
import { validateVideoRequest } from "./video-input.ts";

const OPENAI = { tag: "OpenAI-compatible", openai: true } as const;

/** OpenAI's Videos API (API.md §9) over the same tasks, ids, limits and Idempotency-Keys as /v1/video/generations. */
export const videos = new Hono<AppEnv>()
  .post(
    "/",
    documented({
      ...OPENAI,
      summary: "Create a video (OpenAI's videos.create)",
      description: "The same task as POST /v1/video/generations; `input_reference` is the first frame.",
      body: { schema: VideoCreateBody, media: ["multipart/form-data", "application/json"], examples: { text: VIDEO_EXAMPLE } },
      ok: { description: "The video, queued or in progress.", schema: VideoObject },
      errors: [400, 402, 403, 409, 413, 415, 422, 429, 502, 503],
    }),
    requireApiKey,
    maxBody,
    async (c) => {
      const origin = publicOrigin(c.var.config, c.req.url);
      const { request, bodySha } = await validateVideoRequest(c.req.raw, c.var.config, origin);
      return submitGeneration(c, request, bodySha, origin, async (task) => presentVideo(c.var.config, task));
    },
  )
  .get(
    "/",
    documented({
      ...OPENAI,
      summary: "List your videos (OpenAI's videos.list)",
      query: { ...LIST_QUERY, order: "asc or desc (the default) by creation time." },
      ok: {
        description: "A page of videos.",
        schema: page(VideoObject, { first_id: v.nullable(v.string()), last_id: v.nullable(v.string()), has_more: v.boolean() }),
      },
      errors: [400],
    }),
    requireApiKey,
    async (c) => {
      const order = c.req.query("order") ?? "desc";
      if (order !== "asc" && order !== "desc") throw new ApiError(400, 'order must be "asc" or "desc".', "invalid_value", "order");
      const { tasks, hasMore } = await listTasks(c, order);
      const data = tasks.map((t) => presentVideo(c.var.config, t));
      return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore });
    },
  )
  .get(
    "/:id",
    documented({ ...OPENAI, summary: "Read a video (OpenAI's videos.retrieve)", ok: { description: "The video.", schema: VideoObject }, errors: [404] }),
    requireApiKey,
    async (c) => {
      const task = await ownedTask(c.env, c.req.param("id"), c.var.caller.keyId);
      return c.json(presentVideo(c.var.config, task));
    },
  )
  .delete(
    "/:id",
    documented({
      ...OPENAI,
      summary: "Delete a completed or failed video and its stored files (OpenAI's videos.delete)",
      ok: { description: "Deleted; later reads are 404.", schema: v.object({ id: v.string(), object: v.literal("video.deleted"), deleted: v.literal(true) }) },
      errors: [404, 409],
    }),
    requireApiKey,
    async (c) => {
      const id = c.req.param("id");
      const task = await ownedTask(c.env, id, c.var.caller.keyId);
      const deleted = await deleteTask(c.env, task);
      forgetFinishedTask(id);
      if (!deleted) {
        throw new ApiError(
          409,
          `Video ${id} is still ${presentVideo(c.var.config, task).status}; only a completed or failed video can be deleted.`,
          "video_not_deletable",
          "video_id",
        );
      }
      return c.json({ id, object: "video.deleted", deleted: true });
    },
  )
  .on(
    ["GET", "HEAD"],
    "/:id/content",
    documented({
      ...OPENAI,
      summary: "Download the MP4 or its thumbnail (OpenAI's videos.downloadContent)",
      description: "Supports Range, ETag and If-None-Match.",
      query: { variant: "video (the default) or thumbnail." },
      ok: { description: "The bytes (206 for a range).", media: "video/mp4" },
      errors: [400, 404, 409, 410],
    }),
    requireApiKey,
    async (c) => {
      const id = c.req.param("id");
      const variant = c.req.query("variant") ?? "video";
      if (variant !== "video" && variant !== "thumbnail") {
        throw new ApiError(400, `variant must be "video" or "thumbnail" (this gateway makes no ${variant}).`, "invalid_value", "variant");
      }
      const task = await ownedTask(c.env, id, c.var.caller.keyId);
      return deliver(c, task, null, variant);
    },
  );
