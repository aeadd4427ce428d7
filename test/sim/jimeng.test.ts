import { describe, expect, it } from "vitest";
import { download, jimeng, png, SAMPLE, useSimulator, volcSign, waitFor } from "./helpers.ts";

const sim = useSimulator(450);

const SUBMIT = "CVSync2AsyncSubmitTask";
const GET = "CVSync2AsyncGetResult";
const t2v = { req_key: "jimeng_t2v_v30", prompt: "a cat", seed: -1, frames: 121, aspect_ratio: "16:9" };
const raw = png(640, 360).toString("base64");

describe("Jimeng auth: Volcengine signature V4 (§2.6)", () => {
  const expectGatewayError = (r: { status: number; body: any }, status: number, code: string, codeN: number) => {
    expect(r.status).toBe(status);
    expect(r.body.ResponseMetadata).toMatchObject({
      RequestId: expect.any(String),
      Action: SUBMIT,
      Version: "2022-08-31",
      Service: "cv",
      Region: "cn-north-1",
      Error: { Code: code, CodeN: codeN, Message: expect.any(String) },
    });
  };

  it("refuses a request without Authorization (100003)", async () => {
    const res = await fetch(`${sim.url}/?Action=${SUBMIT}&Version=2022-08-31`, { method: "POST", body: JSON.stringify(t2v) });
    expectGatewayError({ status: res.status, body: await res.json() }, 401, "MissingAuthenticationToken", 100003);
  });

  it("refuses an Authorization without Signature (100005)", async () => {
    const r = await jimeng(sim, SUBMIT, t2v, { headers: (h) => ({ ...h, Authorization: h.Authorization!.replace(/, Signature=.*$/, "") }) });
    expectGatewayError(r, 401, "MissingSignature", 100005);
  });

  it("refuses an unknown access key (100009)", async () => {
    expectGatewayError(await jimeng(sim, SUBMIT, t2v, { ak: "AKLTnobody" }), 401, "InvalidAccessKey", 100009);
  });

  it("refuses a wrong secret (100010)", async () => {
    expectGatewayError(await jimeng(sim, SUBMIT, t2v, { sk: "wrong-secret" }), 401, "SignatureDoesNotMatch", 100010);
  });

  it("refuses a body changed after signing (100010)", async () => {
    const r = await jimeng(sim, SUBMIT, t2v, { tamper: (b) => b.replace("a cat", "a dog") });
    expectGatewayError(r, 401, "SignatureDoesNotMatch", 100010);
    expect(r.body.ResponseMetadata.Error.Message).toMatch(/X-Content-Sha256/);
  });

  it("refuses a stale X-Date (100006)", async () => {
    const query = `Action=${SUBMIT}&Version=2022-08-31`;
    const body = JSON.stringify(t2v);
    const headers = volcSign({ host: new URL(sim.url).host, query, body, date: new Date(Date.now() - 3600_000) });
    const res = await fetch(`${sim.url}/?${query}`, { method: "POST", headers, body });
    expectGatewayError({ status: res.status, body: await res.json() }, 400, "InvalidTimestamp", 100006);
  });

  it("accepts the SDK default signed headers (x-content-sha256;x-date) as well as the fuller set", async () => {
    const query = `Action=${SUBMIT}&Version=2022-08-31`;
    const body = JSON.stringify(t2v);
    for (const signed of [
      ["x-content-sha256", "x-date"],
      ["host", "x-content-sha256", "x-date"],
    ]) {
      const headers = volcSign({ host: new URL(sim.url).host, query, body, signed });
      const res = await fetch(`${sim.url}/?${query}`, { method: "POST", headers, body });
      expect(res.status).toBe(200);
    }
  });

  it("answers an unknown action with InvalidActionOrVersion", async () => {
    const r = await jimeng(sim, "CVSubmitTaskX", t2v);
    expect(r.status).toBe(404);
    expect(r.body.ResponseMetadata.Error).toMatchObject({ Code: "InvalidActionOrVersion", CodeN: 100008 });
  });
});

describe("Jimeng field validation (§2.3)", () => {
  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["an unknown req_key", { ...t2v, req_key: "jimeng_t2v_v99" }, /req_key/],
    ["no req_key", { prompt: "a" }, /req_key/],
    ["frames 120", { ...t2v, frames: 120 }, /frames/],
    ["a prompt over 800 characters", { ...t2v, prompt: "x".repeat(801) }, /prompt/],
    ["missing prompt on t2v", { req_key: "jimeng_t2v_v30" }, /prompt/],
    ["aspect_ratio 2:1", { ...t2v, aspect_ratio: "2:1" }, /aspect_ratio/],
    ["images on a t2v key", { ...t2v, image_urls: ["https://example.com/a.png"] }, /image/],
    ["no image on i2v_first", { req_key: "jimeng_i2v_first_v30", prompt: "a" }, /image/],
    ["one image on first_tail", { req_key: "jimeng_i2v_first_tail_v30", prompt: "a", image_urls: ["https://example.com/a.png"] }, /image/],
    ["a data: URI in binary_data_base64", { req_key: "jimeng_i2v_first_v30", prompt: "a", binary_data_base64: [`data:image/png;base64,${raw}`] }, /base64/],
    ["an image below 320 px", { req_key: "jimeng_i2v_first_v30", prompt: "a", binary_data_base64: [png(300, 300).toString("base64")] }, /320px/],
    [
      "both image_urls and binary_data_base64",
      { req_key: "jimeng_i2v_first_v30", prompt: "a", image_urls: ["https://e.com/a.png"], binary_data_base64: [raw] },
      /not both/,
    ],
    ["recamera without template_id", { req_key: "jimeng_i2v_recamera_v30", prompt: "a", image_urls: ["https://e.com/a.png"] }, /template_id/],
  ];
  for (const [name, body, message] of rejected) {
    it(`rejects ${name}`, async () => {
      const r = await jimeng(sim, SUBMIT, body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 50402, data: null, status: 50402, request_id: expect.any(String), time_elapsed: expect.any(String) });
      expect(r.body.message).toMatch(message);
    });
  }

  it("accepts the documented shapes", async () => {
    const ok: Record<string, unknown>[] = [
      t2v,
      { req_key: "jimeng_t2v_v30_1080p", prompt: "a", frames: 241, aspect_ratio: "21:9" },
      { req_key: "jimeng_i2v_first_v30_1080", prompt: "a", binary_data_base64: [raw], aspect_ratio: "ignored-for-i2v" },
      { req_key: "jimeng_i2v_first_tail_v30", prompt: "a", binary_data_base64: [raw, raw] },
      { req_key: "jimeng_i2v_recamera_v30", prompt: "a", image_urls: ["https://e.com/a.png"], template_id: "robo_arm", camera_strength: "weak" },
      { req_key: "jimeng_ti2v_v30_pro", image_urls: ["https://e.com/a.png"] },
    ];
    for (const body of ok) {
      const r = await jimeng(sim, SUBMIT, body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });
});

describe("Jimeng task lifecycle", () => {
  it("submits, polls in_queue → generating → done, and serves the MP4", async () => {
    const sub = await jimeng(sim, SUBMIT, t2v);
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ code: 10000, message: "Success", status: 10000, data: { task_id: expect.stringMatching(/^\d{19}$/) } });
    const taskId = sub.body.data.task_id;
    const poll = () => jimeng(sim, GET, { req_key: t2v.req_key, task_id: taskId, req_json: JSON.stringify({ aigc_meta: { producer_id: "p" } }) });
    expect((await poll()).body.data.status).toBe("in_queue");
    const seen = new Set<string>();
    const data = await waitFor(async () => {
      const r = await poll();
      expect(r.body.code).toBe(10000);
      seen.add(r.body.data.status);
      return r.body.data.status === "done" ? r.body.data : undefined;
    });
    expect(seen.has("generating")).toBe(true);
    expect(data).toMatchObject({ status: "done", aigc_meta_tagged: true, video_url: expect.stringContaining(`/files/jimeng/${taskId}.mp4`) });
    expect((await download(data.video_url)).bytes.equals(SAMPLE)).toBe(true);
  });

  it("refuses a poll with another req_key, and answers not_found for an unknown task", async () => {
    const taskId = (await jimeng(sim, SUBMIT, t2v)).body.data.task_id;
    const mismatch = await jimeng(sim, GET, { req_key: "jimeng_t2v_v30_1080p", task_id: taskId });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ code: 50402, data: null });
    expect(mismatch.body.message).toMatch(/req_key mismatch/);
    const unknown = await jimeng(sim, GET, { req_key: t2v.req_key, task_id: "7392616336519610409" });
    expect(unknown.body).toMatchObject({ code: 10000, data: { status: "not_found" } });
  });

  it("[sim:fail] answers the poll with 50516; [sim:refuse] 50412; [sim:busy] 50430 once", async () => {
    const taskId = (await jimeng(sim, SUBMIT, { ...t2v, prompt: "x [sim:fail]" })).body.data.task_id;
    const failed = await waitFor(async () => {
      const r = await jimeng(sim, GET, { req_key: t2v.req_key, task_id: taskId });
      return r.body.code !== 10000 ? r : undefined;
    });
    expect(failed.status).toBe(400);
    expect(failed.body).toMatchObject({ code: 50516, data: null, status: 50516 });

    const refused = await jimeng(sim, SUBMIT, { ...t2v, prompt: "x [sim:refuse]" });
    expect([refused.status, refused.body.code]).toEqual([400, 50412]);
    const busy = await jimeng(sim, SUBMIT, { ...t2v, prompt: "x [sim:busy]" });
    expect([busy.status, busy.body.code]).toEqual([429, 50430]);
    expect((await jimeng(sim, SUBMIT, { ...t2v, prompt: "x [sim:busy]" })).body.code).toBe(10000);
  });
});
