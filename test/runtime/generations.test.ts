import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import sampleUri from "../../simulator/assets/sample.mp4?inline";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { KLING_EXAMPLE } from "../../src/api/examples.ts";
import { api, apiJson, waitForTask } from "./helpers.ts";

const SIM = env.KLING_BASE_URL!;

function expectErrorFormat(body: Record<string, unknown>, type: string) {
  expect(Object.keys(body).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.type).toBe(type);
  expect(typeof body.message).toBe("string");
}

describe("authentication", () => {
  it("refuses a missing or unknown key with 401 in the error format", async () => {
    for (const headers of [{}, { authorization: "Bearer sk-nope" }, { authorization: "Basic abc" }] as Record<string, string>[]) {
      const { status, body } = await apiJson("/v1/models", { key: null, headers });
      expect(status).toBe(401);
      expectErrorFormat(body, "authentication_error");
    }
  });
});

describe("GET /v1/models", () => {
  it("lists the configured vendors' models with their capabilities", async () => {
    const { status, body } = await apiJson("/v1/models");
    expect(status).toBe(200);
    expect(body.object).toBe("list");
    const v1 = body.data.find((m: { id: string }) => m.id === "kling-v1");
    // kling-v1 renders 30 fps (Kling's capability map).
    expect(v1).toMatchObject({ object: "model", owned_by: "kling", durations: [5, 10], fps: 30, aspect_ratios: ["16:9", "9:16", "1:1"] });
  });
});

describe("POST /v1/video/generations validation", () => {
  it.each([
    ["an unknown field", { ...KLING_EXAMPLE, colour: "red" }, "colour", "unknown_field"],
    ["no model", { prompt: "x" }, "model", "missing_required_field"],
    ["an unknown model", { ...KLING_EXAMPLE, model: "nope" }, "model", "model_not_found"],
    ["no prompt and no image", { model: "kling-v1" }, "prompt", "missing_required_field"],
    ["a duration the model lacks", { ...KLING_EXAMPLE, duration: 7 }, "duration", "invalid_value"],
    ["a duration as a string", { ...KLING_EXAMPLE, duration: "5" }, "duration", "invalid_value"],
    ["a foreign fps", { ...KLING_EXAMPLE, fps: 24 }, "fps", "invalid_value"],
    ["width without height", { ...KLING_EXAMPLE, size: undefined, width: 1280 }, "height", "invalid_value"],
    ["size conflicting with width/height", { ...KLING_EXAMPLE, width: 1280, height: 720 }, "size", "invalid_value"],
    ["a size beyond width/height's bounds", { ...KLING_EXAMPLE, size: "99999x720" }, "size", "invalid_value"],
    ["a size below width/height's bounds", { ...KLING_EXAMPLE, size: "10x10" }, "size", "invalid_value"],
    ["n other than 1", { ...KLING_EXAMPLE, n: 2 }, "n", "invalid_value"],
    ["a seed for a model without one", { ...KLING_EXAMPLE, seed: 1 }, "seed", "invalid_value"],
    ["an image that is none of the three forms", { ...KLING_EXAMPLE, image: "not an image!" }, "image", "invalid_value"],
    ["a plain-http webhook", { ...KLING_EXAMPLE, metadata: { callback_url: "http://example.com/hook" } }, "metadata.callback_url", "invalid_value"],
    ["a prompt over Kling's limit", { ...KLING_EXAMPLE, prompt: "x".repeat(2501) }, "prompt", "invalid_value"],
  ])("%s → 400 naming the field", async (_what, json, param, code) => {
    const { status, body } = await apiJson("/v1/video/generations", { method: "POST", json });
    expect(status).toBe(400);
    expectErrorFormat(body, "invalid_request_error");
    expect([body.param, body.code]).toEqual([param, code]);
  });

  it("answers a body over 20 MiB with 413", async () => {
    const huge = JSON.stringify({ model: "kling-v1", prompt: "x", image: "A".repeat(21 * 1024 * 1024) });
    const { status, body } = await apiJson("/v1/video/generations", { method: "POST", body: huge, headers: { "content-type": "application/json" } });
    expect(status).toBe(413);
    expectErrorFormat(body, "invalid_request_error");
  });

  it("answers an image over 10 MiB decoded with 400 naming image", async () => {
    const big = JSON.stringify({ model: "kling-v1", prompt: "x", image: "A".repeat(14 * 1024 * 1024) });
    const { status, body } = await apiJson("/v1/video/generations", { method: "POST", body: big, headers: { "content-type": "application/json" } });
    expect([status, body.param, body.code]).toEqual([400, "image", "image_too_large"]);
  });

  it("answers non-JSON with 400 and a wrong content type with 415", async () => {
    const bad = await apiJson("/v1/video/generations", { method: "POST", body: "{", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    const wrongType = await apiJson("/v1/video/generations", { method: "POST", body: "{}", headers: { "content-type": "text/plain" } });
    expect(wrongType.status).toBe(415);
  });
});

describe("a Kling task end to end inside the runtime", () => {
  it("runs the 88API Kling example to a stored, playable MP4 behind a signed URL", async () => {
    await using workflows = await introspectWorkflow(env.TASK_WORKFLOW);
    const created = await apiJson("/v1/video/generations", { method: "POST", json: KLING_EXAMPLE });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: "processing", model: "kling-v1", url: null, error: null });
    // Where the POST spent its time, stage by stage (bench/hot-paths.ts sums these).
    const stages = [...(created.response.headers.get("server-timing") ?? "").matchAll(/(\w+);dur=[\d.]+/g)].map((m) => m[1]);
    expect(stages).toEqual(["admit", "reserve", "plan", "task", "workflow", "accept", "total"]);
    const id = created.body.task_id as string;
    expect((await workflows.get()).length).toBe(1);

    const done = await waitForTask(id);
    expect(done).toMatchObject({
      status: "succeeded",
      format: "mp4",
      metadata: { ...SAMPLE_VIDEO.ffprobe, seed: 20231234 },
      error: null,
    });
    expect(done.expires_at).toBeGreaterThan(done.completed_at);

    // The signed URL needs no key, and serves the simulator's file byte for byte.
    const url = new URL(done.url);
    const video = await api(url.pathname + url.search, { key: null });
    expect(video.status).toBe(200);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    const bytes = new Uint8Array(await video.arrayBuffer());
    const original = Uint8Array.fromBase64(sampleUri.slice(sampleUri.indexOf(",") + 1));
    expect(bytes.length).toBe(original.length);
    expect(bytes).toEqual(original);

    const ranged = await api(url.pathname + url.search, { key: null, headers: { range: "bytes=0-99" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 0-99/${original.length}`);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);

    const tampered = await apiJson(url.pathname + url.search.replace(/signature=[0-9a-f]+/, `signature=${"0".repeat(64)}`), { key: null });
    expect(tampered.status).toBe(403);
    expect((await apiJson(`/v1/video/generations/${id}`, { key: "beta" })).status).toBe(404);
  });

  it("returns the vendor's refusal as the POST's own error", async () => {
    const { status, body } = await apiJson("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "[sim:refuse] forbidden" } });
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "content_policy_violation", type: "invalid_request_error" });
    expect(body.message).toContain("Kling");
  });

  it("rejects a callback with a wrong token and changes nothing", async () => {
    const created = await apiJson("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "[sim:never] waits" } });
    const id = created.body.task_id as string;
    const forged = await apiJson(`/v1/callbacks/kling/${id}?token=${"0".repeat(64)}`, {
      method: "POST",
      key: null,
      json: { task_id: "x", task_status: "succeed", task_result: { videos: [{ url: `${SIM}/files/kling/x.mp4` }] } },
    });
    expect(forged.status).toBe(401);
    expect(forged.body.type).toBe("authentication_error");
    const after = await apiJson(`/v1/video/generations/${id}`);
    expect(after.body.status).toBe("processing");
  });
});
