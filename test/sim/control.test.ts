// The /__sim/ control API, fault injection and the media file variants.
import { describe, expect, it } from "vitest";
import { startSimulator } from "../../simulator/server.ts";
import { control, download, finishedKlingVideo, jimeng, kling, klingToken, MOOV_AT_END, receiver, SAMPLE, useSimulator, vidu, waitFor } from "./helpers.ts";

const sim = useSimulator(200);

const T2V = "/v1/videos/text2video";

/** Creates a Kling task and returns its first succeeded video URL. */
describe("control API basics", () => {
  it("health, config round trip, validation and reset", async () => {
    expect((await control(sim, "GET", "/health")).body).toMatchObject({ ok: true });
    const cfg = await control(sim, "PUT", "/config", { delayMs: 50, callbacks: false, video: "html", urlTtlMs: 1000 });
    expect(cfg.body).toMatchObject({ delayMs: 50, callbacks: false, video: "html", urlTtlMs: 1000, chunked: false });
    expect((await control(sim, "PUT", "/config", { video: "avi" })).status).toBe(400);
    expect((await control(sim, "PUT", "/config", { bogus: 1 })).status).toBe(400);
    await control(sim, "POST", "/reset");
    expect((await control(sim, "GET", "/config")).body).toMatchObject({ delayMs: 200, callbacks: true, video: "normal", urlTtlMs: null });
    expect((await control(sim, "GET", "/nope")).status).toBe(404);
  });

  it("lists tasks of every vendor with their details, and counts calls", async () => {
    await kling(sim, "POST", T2V, { prompt: "a", external_task_id: "k-1" });
    await kling(sim, "POST", T2V, { prompt: "a", external_task_id: "k-1" }); // duplicate, refused
    const v = (await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a", payload: "p-1" })).body.task_id;
    await jimeng(sim, "CVSync2AsyncSubmitTask", { req_key: "jimeng_t2v_v30", prompt: "a" });
    await vidu(sim, "GET", `/ent/v2/tasks/${v}/creations`);
    const { tasks } = (await control(sim, "GET", "/tasks")).body;
    expect(tasks).toHaveLength(3);
    expect(tasks.map((t: { vendor: string }) => t.vendor).sort()).toEqual(["jimeng", "kling", "vidu"]);
    expect(tasks.find((t: { vendor: string }) => t.vendor === "jimeng")).toMatchObject({ req_key: "jimeng_t2v_v30", state: "in_queue", doneAt: null });
    expect(tasks.find((t: { vendor: string }) => t.vendor === "vidu")).toMatchObject({ externalId: "p-1", endpoint: "text2video" });
    const stats = (await control(sim, "GET", "/stats")).body;
    expect(stats.kling).toMatchObject({ create: 2, accepted: 1, byExternalId: { "k-1": { calls: 2, accepted: 1 } } });
    expect(stats.vidu).toMatchObject({ create: 1, accepted: 1, query: 1, byExternalId: { "p-1": { calls: 1, accepted: 1 } } });
    expect(stats.jimeng).toMatchObject({ create: 1, accepted: 1, query: 0 });
    const vendorOnly = (await control(sim, "GET", "/tasks?vendor=kling")).body.tasks;
    expect(vendorOnly).toHaveLength(1);
  });

  it("completes a task on demand, and refuses to complete it twice", async () => {
    await control(sim, "PUT", "/config", { delayMs: 60_000 });
    const id = (await kling(sim, "POST", T2V, { prompt: "a", external_task_id: "ext-c" })).body.data.task_id;
    const done = await control(sim, "POST", "/tasks/ext-c/complete", {});
    expect(done.body).toMatchObject({ id, state: "succeed", phase: "succeeded", doneAt: expect.any(Number) });
    expect((await control(sim, "POST", `/tasks/${id}/complete`, {})).status).toBe(409);
    expect((await kling(sim, "GET", `${T2V}/${id}`)).body.data.task_status).toBe("succeed");
  });

  it("caps concurrent tasks per vendor when maxConcurrent is set", async () => {
    await control(sim, "PUT", "/config", { maxConcurrent: 1, delayMs: 60_000 });
    expect((await kling(sim, "POST", T2V, { prompt: "a" })).status).toBe(200);
    const busy = await kling(sim, "POST", T2V, { prompt: "b" });
    expect([busy.status, busy.body.code]).toEqual([429, 1303]);
    expect((await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a" })).status).toBe(200);
  });
});

describe("fault injection", () => {
  it("a create fault answers with the vendor's error body, `times` times, then the vendor recovers", async () => {
    await control(sim, "POST", "/faults", { vendor: "kling", op: "create", status: 500, times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await kling(sim, "POST", T2V, { prompt: "a" });
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ code: 5000, request_id: expect.any(String) });
    }
    expect((await kling(sim, "POST", T2V, { prompt: "a" })).status).toBe(200);
    expect((await control(sim, "GET", "/stats")).body.kling).toMatchObject({ create: 3, accepted: 1 });
  });

  it("faults are per vendor and per op, with vendor-shaped default bodies", async () => {
    await control(sim, "POST", "/faults", [
      { vendor: "vidu", op: "create", status: 429 },
      { vendor: "jimeng", op: "create", status: 429 },
    ]);
    expect((await kling(sim, "POST", T2V, { prompt: "a" })).status).toBe(200);
    const v = await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a" });
    expect([v.status, v.body.reason]).toEqual([429, "QuotaExceeded"]);
    const j = await jimeng(sim, "CVSync2AsyncSubmitTask", { req_key: "jimeng_t2v_v30", prompt: "a" });
    expect([j.status, j.body.code]).toEqual([429, 50430]);
  });

  it("serves a raw malformed body and a custom JSON body on queries", async () => {
    const id = (await kling(sim, "POST", T2V, { prompt: "a" })).body.data.task_id;
    await control(sim, "POST", "/faults", [
      { vendor: "kling", op: "query", raw: '{"code":0,"data":' },
      { vendor: "kling", op: "query", status: 200, body: { code: 0, data: { task_status: "weird" } } },
    ]);
    const broken = await fetch(`${sim.url}${T2V}/${id}`, { headers: { Authorization: `Bearer ${await klingToken()}` } });
    expect(broken.status).toBe(200);
    expect(await broken.text()).toBe('{"code":0,"data":');
    expect((await kling(sim, "GET", `${T2V}/${id}`)).body.data.task_status).toBe("weird");
    expect((await kling(sim, "GET", `${T2V}/${id}`)).body.code).toBe(0);
  });

  it("a delay-only fault stalls the request long enough to time a client out", async () => {
    await control(sim, "POST", "/faults", { op: "query", delayMs: 1500 });
    const id = (await kling(sim, "POST", T2V, { prompt: "a" })).body.data.task_id;
    const started = Date.now();
    await expect(
      fetch(`${sim.url}${T2V}/${id}`, {
        headers: { Authorization: `Bearer ${await klingToken()}` },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1400);
    expect((await control(sim, "GET", "/faults")).body.faults).toEqual([]);
  });

  it("a download fault answers the media URL with an error", async () => {
    const { url } = await finishedKlingVideo(sim);
    await control(sim, "POST", "/faults", { op: "download", status: 503 });
    expect((await download(url)).status).toBe(503);
    expect((await download(url)).bytes.equals(SAMPLE)).toBe(true);
  });

  it("a callback fault drops a delivery, or replaces its body", async () => {
    const hook = await receiver();
    try {
      await control(sim, "POST", "/faults", [
        { vendor: "kling", op: "callback" }, // drops the processing callback
        { vendor: "kling", op: "callback", raw: "not json" },
      ]);
      const id = (await kling(sim, "POST", T2V, { prompt: "a", callback_url: `${hook.url}/cb` })).body.data.task_id;
      await waitFor(async () => hook.received.length >= 1, 3000, "callback");
      await new Promise((r) => setTimeout(r, 100));
      expect(hook.received.map((r) => r.body)).toEqual(["not json"]);
      const t = (await control(sim, "GET", `/tasks/${id}`)).body;
      expect(t.callbacks.map((c: { state: string; status: number }) => [c.state, c.status])).toEqual([
        ["processing", 0],
        ["succeed", 200],
      ]);
    } finally {
      await hook.close();
    }
  });

  it("callbacks can be switched off", async () => {
    const hook = await receiver();
    try {
      await control(sim, "PUT", "/config", { callbacks: false });
      await finishedKlingVideo(sim);
      const id = (await kling(sim, "POST", T2V, { prompt: "a", callback_url: `${hook.url}/cb` })).body.data.task_id;
      await waitFor(async () => (await kling(sim, "GET", `${T2V}/${id}`)).body.data.task_status === "succeed");
      await new Promise((r) => setTimeout(r, 100));
      expect(hook.received).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it("rejects a malformed fault", async () => {
    expect((await control(sim, "POST", "/faults", { op: "explode" })).status).toBe(400);
    expect((await control(sim, "POST", "/faults", { op: "create", vendor: "sora" })).status).toBe(400);
  });
});

describe("media files", () => {
  it("serves ranges and HEAD like a CDN", async () => {
    const { url } = await finishedKlingVideo(sim);
    const part = await download(url, { headers: { Range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${SAMPLE.length}`);
    expect(part.bytes.equals(SAMPLE.subarray(100, 200))).toBe(true);
    const tail = await download(url, { headers: { Range: "bytes=-10" } });
    expect(tail.bytes.equals(SAMPLE.subarray(SAMPLE.length - 10))).toBe(true);
    expect((await download(url, { headers: { Range: `bytes=${SAMPLE.length}-` } })).status).toBe(416);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(SAMPLE.length));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
  });

  it("404s media of an unfinished or unknown task", async () => {
    await control(sim, "PUT", "/config", { delayMs: 60_000 });
    const id = (await kling(sim, "POST", T2V, { prompt: "a" })).body.data.task_id;
    expect((await download(`${sim.url}/files/kling/${id}.mp4`)).status).toBe(404);
    expect((await download(`${sim.url}/files/kling/nope.mp4`)).status).toBe(404);
  });

  it("chunked: no Content-Length, same bytes", async () => {
    await control(sim, "PUT", "/config", { chunked: true });
    const { url } = await finishedKlingVideo(sim);
    const file = await download(url);
    expect(file.headers.get("content-length")).toBeNull();
    expect(file.headers.get("transfer-encoding")).toBe("chunked");
    expect(file.bytes.equals(SAMPLE)).toBe(true);
  });

  it("moov-at-end and html variants, globally or per task by prompt trigger", async () => {
    const moov = await finishedKlingVideo(sim, "a [sim:moov-at-end]");
    expect((await download(moov.url)).bytes.equals(MOOV_AT_END)).toBe(true);
    await control(sim, "PUT", "/config", { video: "html" });
    const html = await download((await finishedKlingVideo(sim)).url);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html.bytes.toString()).toContain("<html>");
  });

  it("truncated: full Content-Length announced, connection dropped midway", async () => {
    const { id, url } = await finishedKlingVideo(sim);
    await control(sim, "PUT", `/tasks/${id}/files`, { video: "truncated" });
    const res = await fetch(url);
    expect(res.headers.get("content-length")).toBe(String(SAMPLE.length));
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it("expiring URLs: 403 after the TTL or when tampered; a fresh query hands out a fresh URL", async () => {
    await control(sim, "PUT", "/config", { urlTtlMs: 300 });
    const { id, url } = await finishedKlingVideo(sim);
    expect(url).toMatch(/\?expires=\d+&signature=/);
    expect((await download(url)).status).toBe(200);
    const tampered = url.slice(0, -1) + (url.endsWith("A") ? "B" : "A");
    expect((await download(tampered)).status).toBe(403);
    expect((await download(url.split("?")[0]!)).status).toBe(403);
    await new Promise((r) => setTimeout(r, 400));
    expect((await download(url)).status).toBe(403);
    const fresh = (await kling(sim, "GET", `${T2V}/${id}`)).body.data.task_result.videos[0].url;
    expect(fresh).not.toBe(url);
    expect((await download(fresh)).bytes.equals(SAMPLE)).toBe(true);
  });
});

describe("publicUrl", () => {
  it("puts the configured origin into media URLs", async () => {
    const other = await startSimulator({ port: 0, delayMs: 0, publicUrl: "https://media.sim.example/" });
    try {
      const id = (await kling(other, "POST", T2V, { prompt: "a" })).body.data.task_id;
      const url = await waitFor(async () => (await kling(other, "GET", `${T2V}/${id}`)).body.data.task_result?.videos[0].url);
      expect(url).toBe(`https://media.sim.example/files/kling/${id}.mp4`);
    } finally {
      await other.close();
    }
  });
});
