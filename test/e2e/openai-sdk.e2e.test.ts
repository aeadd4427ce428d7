// The official OpenAI SDK (the `openai` npm package, unmodified) drives the gateway's Videos API (API.md §9) against
// wrangler dev and the simulator: create (text and with an image file), poll, download, list, delete, and a bad
// request whose message arrives through the SDK's own error class.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI, { BadRequestError, NotFoundError, toFile } from "openai";
import type { Video } from "openai/resources/videos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_API_KEY } from "../../scripts/local-stack.ts";
import { type E2E, SAMPLE_BYTES, startE2E } from "./stack.ts";

const MODEL = "doubao-seedance-1-0-pro-250528";
const COVER = readFileSync(join(import.meta.dirname, "../../simulator/assets/cover.jpg"));

let e2e: E2E;
let client: OpenAI;

beforeAll(async () => {
  e2e = await startE2E({ port: 18920, simPort: 18921 }, { vars: { POLL_INTERVALS: "1s" }, simEnv: { SIM_DELAY_MS: "6000" } });
  client = new OpenAI({ apiKey: LOCAL_API_KEY, baseURL: `${e2e.stack.gatewayUrl}/v1`, maxRetries: 0 });
}, 120_000);
afterAll(() => e2e?.close());

/** Polls like an SDK user (every 300 ms) until the video is final; returns every state seen on the way. */
async function pollToEnd(id: string): Promise<Video[]> {
  const seen: Video[] = [];
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    const video = await client.videos.retrieve(id);
    seen.push(video);
    if (video.status === "completed" || video.status === "failed") return seen;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`video ${id} did not finish: ${JSON.stringify(seen.at(-1))}`);
}

describe("the official OpenAI SDK against the gateway", () => {
  it("creates a video, polls it to completed with honest progress, and downloads the simulator's MP4", async () => {
    const created = await client.videos.create({ model: MODEL, prompt: "a red fox in fresh snow", seconds: "4", size: "1280x720" });
    expect(created).toMatchObject({ object: "video", model: MODEL, seconds: "4", size: "1280x720", prompt: "a red fox in fresh snow", error: null });
    expect(["queued", "in_progress"]).toContain(created.status);

    const seen = await pollToEnd(created.id);
    const done = seen.at(-1)!;
    expect(done).toMatchObject({ id: created.id, status: "completed", progress: 100 });
    // The simulated Ark queues a task for its first 2 s and renders it for 4 s more: both phases show, in order.
    const statuses = [...new Set(seen.map((v) => v.status))];
    expect(statuses).toEqual(expect.arrayContaining(["in_progress", "completed"]));
    expect(statuses.every((s) => ["queued", "in_progress", "completed"].includes(s))).toBe(true);
    expect(seen.filter((v) => v.status === "in_progress").every((v) => v.progress > 0 && v.progress < 100)).toBe(true);
    const progress = seen.map((v) => v.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b)); // never goes back
    expect(progress.slice(0, -1).every((p) => p < 100)).toBe(true);

    const content = await client.videos.downloadContent(created.id);
    expect(content.headers.get("content-type")).toBe("video/mp4");
    expect(Buffer.from(await content.arrayBuffer()).equals(SAMPLE_BYTES)).toBe(true);

    // The same task on the unified surface.
    const task = await e2e.api(`/v1/video/generations/${created.id}`);
    expect(task.body).toMatchObject({ task_id: created.id, status: "succeeded" });
  }, 90_000);

  it("creates from an uploaded image file, which the vendor gets as the first frame", async () => {
    const file = await toFile(COVER, "frame.jpg", { type: "image/jpeg" });
    const created = await client.videos.create({ model: MODEL, prompt: "the frame comes alive", seconds: "4", input_reference: file });
    const done = (await pollToEnd(created.id)).at(-1)!;
    expect(done.status).toBe("completed");
    // Ark took it as image-to-video (its first_frame scenario; the bytes themselves are checked in the runtime test).
    const simTasks = (await e2e.sim<{ tasks: any[] }>("/__sim/tasks?vendor=ark")).tasks;
    expect(simTasks.filter((t) => t.kind === "first_frame")).toHaveLength(1);
  }, 90_000);

  it("lists with the SDK's cursor paging in both orders, and deletes", async () => {
    const ids: string[] = [];
    for (const prompt of ["list one", "list two", "list three"]) ids.push((await client.videos.create({ model: MODEL, prompt, seconds: "4" })).id);
    const asc: string[] = [];
    for await (const video of client.videos.list({ order: "asc", limit: 2 })) asc.push(video.id);
    expect(asc.filter((id) => ids.includes(id))).toEqual(ids);
    const firstPage = await client.videos.list({ limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.data[0]!.id).toBe(ids[2]);

    const last = ids[2]!;
    await pollToEnd(last);
    const deleted = await client.videos.delete(last);
    expect(deleted).toEqual({ id: last, object: "video.deleted", deleted: true });
    await expect(client.videos.retrieve(last)).rejects.toBeInstanceOf(NotFoundError);
    const after: string[] = [];
    for await (const video of client.videos.list()) after.push(video.id);
    expect(after).not.toContain(last);
  }, 90_000);

  it("surfaces the gateway's message, code and param through the SDK's BadRequestError", async () => {
    const err = await client.videos.create({ model: "kling-v1", prompt: "seven seconds", seconds: "8" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    const bad = err as BadRequestError;
    expect(bad.status).toBe(400);
    expect(bad.code).toBe("invalid_value");
    expect(bad.param).toBe("seconds");
    expect(bad.message).toContain("seconds 8 is not offered by kling-v1; use one of 5, 10 (seconds).");
  });
});
