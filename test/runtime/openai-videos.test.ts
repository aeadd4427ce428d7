// OpenAI's Videos API (API.md §9) over the same tasks as /v1/video/generations, inside the runtime against the
// shared simulator (tasks finish 1.5 s after creation; `[sim:never]` keeps one processing).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import coverUri from "../../simulator/assets/cover.jpg?inline";
import { api, apiJson, waitForTask } from "./helpers.ts";

type Json = Record<string, any>;

/** A 640x360 JPEG (the simulator's cover image). */
const FRAME = Uint8Array.from(atob(coverUri.split(",")[1]!), (ch) => ch.charCodeAt(0));

async function create(json: Json): Promise<Json> {
  const { status, body } = await apiJson("/v1/videos", { method: "POST", json });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

function expectOpenAiError(body: Json, code: string, param: string | null) {
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.error).toMatchObject({ code, param });
}

describe("POST /v1/videos", () => {
  it("creates a queued video from JSON that completes with the task's MP4, readable on both surfaces", async () => {
    const video = await create({ model: "kling-v1", prompt: "a cat", seconds: "5", size: "1280x720" });
    expect(video).toMatchObject({
      object: "video",
      model: "kling-v1",
      status: expect.stringMatching(/^(queued|in_progress)$/),
      progress: expect.any(Number),
      seconds: "5",
      size: "1280x720",
      prompt: "a cat",
      error: null,
      completed_at: null,
      remixed_from_video_id: null,
    });
    expect(video.progress).toBeLessThan(100);
    const task = await waitForTask(video.id);
    expect(task.status).toBe("succeeded");
    const done = (await apiJson(`/v1/videos/${video.id}`)).body;
    expect(done).toMatchObject({ id: video.id, status: "completed", progress: 100, size: `${task.metadata.width}x${task.metadata.height}` });
    expect(done.expires_at).toBeGreaterThan(done.completed_at);
    const mp4 = await api(`/v1/videos/${video.id}/content`);
    expect(mp4.status).toBe(200);
    expect(mp4.headers.get("content-type")).toBe("video/mp4");
    const ranged = await api(`/v1/videos/${video.id}/content?variant=video`, { headers: { range: "bytes=0-99" } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    await mp4.arrayBuffer();
  });

  it("takes the SDK's multipart form, with an uploaded image as the first frame", async () => {
    const form = new FormData();
    form.set("model", "kling-v1");
    form.set("prompt", "from a file");
    form.set("seconds", "5");
    form.set("input_reference", new File([FRAME], "frame.jpg", { type: "image/jpeg" }));
    const { status, body } = await apiJson("/v1/videos", { method: "POST", body: form });
    expect(status, JSON.stringify(body)).toBe(200);
    const plan = (await (await env.VIDEOS.get(`requests/${body.id}.json`))!.json()) as Json;
    expect(JSON.stringify(plan)).toContain(coverUri.split(",")[1]!.slice(0, 200));
  });

  it("takes input_reference[image_url] from a form and input_reference.image_url from JSON", async () => {
    const form = new FormData();
    form.set("model", "kling-v1");
    form.set("prompt", "from a url");
    form.set("input_reference[image_url]", "https://example.com/frame.png");
    expect((await apiJson("/v1/videos", { method: "POST", body: form })).status).toBe(200);
    await create({ model: "kling-v1", prompt: "json url", seconds: 5, input_reference: { image_url: "https://example.com/frame.png" } });
  });

  it("replays a retried form with the same Idempotency-Key (each form has its own boundary), and 422s a different one", async () => {
    const form = (prompt: string) => {
      const f = new FormData();
      f.set("model", "kling-v1");
      f.set("prompt", prompt);
      return f;
    };
    const headers = { "idempotency-key": "openai-form-retry" };
    const first = await apiJson("/v1/videos", { method: "POST", body: form("once"), headers });
    const retry = await apiJson("/v1/videos", { method: "POST", body: form("once"), headers });
    expect(first.status).toBe(200);
    expect(retry).toMatchObject({ status: 200, body: { id: first.body.id, object: "video" } });
    expect(retry.response.headers.get("idempotent-replayed")).toBe("true");
    const other = await apiJson("/v1/videos", { method: "POST", body: form("twice"), headers });
    expect(other.status).toBe(422);
    expectOpenAiError(other.body, "idempotency_key_reused", "Idempotency-Key");
  });

  it("answers bad requests in OpenAI's envelope, with OpenAI's field names", async () => {
    let r = await apiJson("/v1/videos", { method: "POST", json: { model: "kling-v1", prompt: "x", duration: 5 } });
    expect(r.status).toBe(400);
    expectOpenAiError(r.body, "unknown_field", "duration");
    r = await apiJson("/v1/videos", { method: "POST", json: { model: "kling-v1", prompt: "x", seconds: "7" } });
    expect(r.status).toBe(400);
    expectOpenAiError(r.body, "invalid_value", "seconds");
    expect(r.body.error.message).toMatch(/^seconds 7 is not offered by kling-v1/);
    r = await apiJson("/v1/videos", { method: "POST", json: { model: "nope", prompt: "x" } });
    expectOpenAiError(r.body, "model_not_found", "model");
    const form = new FormData();
    form.set("model", "kling-v1");
    form.set("input_reference", new File(["hello"], "a.txt", { type: "text/plain" }));
    r = await apiJson("/v1/videos", { method: "POST", body: form });
    expectOpenAiError(r.body, "invalid_value", "input_reference");
    r = await apiJson("/v1/videos", { key: null });
    expect(r.status).toBe(401);
    expectOpenAiError(r.body, "invalid_api_key", null);
    r = await apiJson("/v1/videos/vgt_unknown");
    expectOpenAiError(r.body, "task_not_found", "task_id");
    // The unified routes keep the flat format.
    r = await apiJson("/v1/video/generations/vgt_unknown");
    expect(r.body.code).toBe("task_not_found");
  });
});

describe("list, delete and shared ids", () => {
  it("lists with order and cursor, showing tasks of both surfaces", async () => {
    const a = await create({ model: "kling-v1", prompt: "list a" });
    const b = (await apiJson("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "list b" } })).body;
    const c = await create({ model: "kling-v1", prompt: "list c" });
    const ids = [a.id, b.task_id, c.id];
    const desc = (await apiJson("/v1/videos?limit=100")).body;
    expect(desc).toMatchObject({ object: "list", first_id: desc.data[0].id, last_id: desc.data.at(-1).id });
    const descIds = desc.data.map((v: Json) => v.id).filter((id: string) => ids.includes(id));
    expect(descIds).toEqual([...ids].reverse());
    const asc = (await apiJson("/v1/videos?limit=100&order=asc")).body;
    expect(asc.data.map((v: Json) => v.id).filter((id: string) => ids.includes(id))).toEqual(ids);
    const first = (await apiJson(`/v1/videos?limit=1&order=asc&after=${a.id}`)).body;
    expect(first.has_more).toBe(true);
    expect(first.data[0].created_at).toBeGreaterThanOrEqual(a.created_at);
    expect((await apiJson("/v1/videos?order=sideways")).status).toBe(400);
    // A task made by the unified API reads as a video, and the other way round.
    expect((await apiJson(`/v1/videos/${b.task_id}`)).body.object).toBe("video");
    expect((await apiJson(`/v1/video/generations/${a.id}`)).body.task_id).toBe(a.id);
  });

  it("refuses to delete a processing video (409), then deletes a completed one: its bytes and its reads are gone", async () => {
    const pending = await create({ model: "kling-v1", prompt: "[sim:never] keep going" });
    const refused = await apiJson(`/v1/videos/${pending.id}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expectOpenAiError(refused.body, "video_not_deletable", "video_id");
    await apiJson(`/v1/video/generations/${pending.id}/cancel`, { method: "POST" });

    const video = await create({ model: "kling-v1", prompt: "to delete" });
    await waitForTask(video.id);
    expect(await env.VIDEOS.head(`videos/${video.id}.mp4`)).not.toBeNull();
    const deleted = await apiJson(`/v1/videos/${video.id}`, { method: "DELETE" });
    expect(deleted).toMatchObject({ status: 200, body: { id: video.id, object: "video.deleted", deleted: true } });
    expect(await env.VIDEOS.head(`videos/${video.id}.mp4`)).toBeNull();
    expect((await apiJson(`/v1/videos/${video.id}`)).status).toBe(404);
    expect((await apiJson(`/v1/video/generations/${video.id}`)).status).toBe(404);
    expect((await api(`/v1/videos/${video.id}/content`)).status).toBe(404);
    expect((await apiJson(`/v1/videos/${video.id}`, { method: "DELETE" })).status).toBe(404);
    const listed = (await apiJson("/v1/videos?limit=100")).body.data.map((v: Json) => v.id);
    expect(listed).not.toContain(video.id);
    expect(listed).toContain(pending.id);
    expect((await apiJson(`/v1/videos/${pending.id}`)).body).toMatchObject({ status: "failed", error: { code: "cancelled" } });
  });
});
