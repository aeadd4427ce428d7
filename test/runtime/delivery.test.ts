import { describe, expect, it } from "vitest";
import { config } from "../../src/config.ts";
import type { Env } from "../../src/env.ts";
import { parseRange } from "../../src/storage/delivery.ts";
import { videoExpiresAt } from "../../src/tasks/retention.ts";
import type { TaskRecord } from "../../src/tasks/task-record.ts";
import { api, apiJson, waitForTask } from "./helpers.ts";

describe("parseRange", () => {
  it.each([
    ["bytes=0-99", { offset: 0, length: 100 }],
    ["bytes=100-", { offset: 100, length: 900 }],
    ["bytes=-100", { offset: 900, length: 100 }],
    ["bytes=-5000", { offset: 0, length: 1000 }],
    ["bytes=990-5000", { offset: 990, length: 10 }],
    ["bytes=1000-", "unsatisfiable"],
    ["bytes=-0", "unsatisfiable"],
    ["bytes=5-3", null], // invalid: ignored (RFC 9110), so the whole file is served
    ["bytes=2000-3000", "unsatisfiable"],
    ["bytes=0-1,5-6", null],
    ["items=0-1", null],
    [null, null],
  ] as const)("%s of 1000 bytes → %j", (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });
});

describe("retention", () => {
  it("expires a video VIDEO_RETENTION after completion, and nothing before success", () => {
    const task = { state: "succeeded", completed_at: 1_000 } as TaskRecord;
    expect(videoExpiresAt(config({ VIDEO_RETENTION: "1d" } as Env), task)).toBe(1_000 + 86_400);
    expect(videoExpiresAt(config({} as Env), task)).toBe(1_000 + 30 * 86_400);
    expect(videoExpiresAt(config({} as Env), { ...task, state: "failed" })).toBeNull();
  });
});

describe("GET /v1/video/generations/{id}/content", () => {
  it("serves HEAD, ranges, conditionals and the edge cache the way a video player needs", async () => {
    const created = await apiJson("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "delivery" } });
    const task = await waitForTask(created.body.task_id);
    expect(task.status).toBe("succeeded");
    const url = new URL(task.url);
    const path = url.pathname + url.search;
    const size = (await api(path, { key: null, method: "HEAD" })).headers.get("content-length");
    expect(Number(size)).toBeGreaterThan(1000);

    const first = await api(path, { key: null });
    const etag = first.headers.get("etag")!;
    // Cacheable by anyone holding the signed URL, but never past the URL's own expiry.
    const maxAge = Number(/^public, max-age=(\d+), immutable$/.exec(first.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(Number(url.searchParams.get("expires")) - Math.floor(Date.now() / 1000) + 1);
    expect(first.headers.get("accept-ranges")).toBe("bytes");
    await first.arrayBuffer();

    // The first full answer filled the data center's cache, keyed without the signature.
    await new Promise((r) => setTimeout(r, 200));
    const cached = await caches.default.match(`${url.origin}${url.pathname}`);
    expect(cached?.headers.get("etag")).toBe(etag);
    await cached?.arrayBuffer();

    const suffix = await api(path, { key: null, headers: { range: "bytes=-10" } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get("content-range")).toBe(`bytes ${Number(size) - 10}-${Number(size) - 1}/${size}`);
    expect((await suffix.arrayBuffer()).byteLength).toBe(10);

    const beyond = await api(path, { key: null, headers: { range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${size}`);
    expect(await beyond.json()).toMatchObject({ code: "range_not_satisfiable", param: "Range", type: "invalid_request_error" });

    const backwards = await api(path, { key: null, headers: { range: "bytes=5-3" } });
    expect(backwards.status).toBe(200);
    expect(backwards.headers.get("content-length")).toBe(size);
    await backwards.arrayBuffer();

    const unchanged = await api(path, { key: null, headers: { "if-none-match": etag } });
    expect(unchanged.status).toBe(304);

    const staleIfRange = await api(path, { key: null, headers: { range: "bytes=0-9", "if-range": '"other"' } });
    expect(staleIfRange.status).toBe(200);
    await staleIfRange.arrayBuffer();
    // If-Range compares strongly: the matching tag gives the range, its weak form the whole file.
    const matchingIfRange = await api(path, { key: null, headers: { range: "bytes=0-9", "if-range": etag } });
    expect(matchingIfRange.status).toBe(206);
    await matchingIfRange.arrayBuffer();
    const weakIfRange = await api(path, { key: null, headers: { range: "bytes=0-9", "if-range": `W/${etag}` } });
    expect(weakIfRange.status).toBe(200);
    await weakIfRange.arrayBuffer();

    // With the owner's key instead of a signature; another key gets 404; no key and no signature gets 401.
    const owned = await api(url.pathname, { headers: { range: "bytes=0-0" } });
    expect(owned.status).toBe(206);
    // Fetched with a key: for the caller's cache only.
    expect(owned.headers.get("cache-control")).toMatch(/^private, max-age=\d+, immutable$/);
    await owned.arrayBuffer();
    expect((await api(url.pathname, { key: "beta" })).status).toBe(404);
    expect((await api(url.pathname, { key: null })).status).toBe(401);
  });

  it("answers 409 while the task is processing", async () => {
    const created = await apiJson("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "[sim:never] not yet" } });
    const { status, body } = await apiJson(`/v1/video/generations/${created.body.task_id}/content`);
    expect(status).toBe(409);
    expect(body.code).toBe("task_not_ready");
  });
});

describe("the vendor's cover image", () => {
  it("is stored beside a Vidu video and served through the task's signed thumbnail_url", async () => {
    const created = await apiJson("/v1/video/generations", {
      method: "POST",
      json: { model: "viduq1", prompt: "a cover", duration: 5 },
    });
    expect(created.status).toBe(200);
    const task = await waitForTask(created.body.task_id);
    expect(task.status).toBe("succeeded");
    expect(task.thumbnail_url).toBe(`${task.url}&variant=thumbnail`);
    const url = new URL(task.thumbnail_url);
    const image = await api(url.pathname + url.search, { key: null });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/jpeg");
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it("is absent for vendors without covers", async () => {
    const created = await apiJson("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "no cover" } });
    const task = await waitForTask(created.body.task_id);
    expect(task.thumbnail_url).toBeNull();
  });
});
