import { describe, expect, it } from "vitest";
import { CREDS, control, download, png, receiver, SAMPLE, useSimulator, vidu, viduSignatureValid, waitFor } from "./helpers.ts";

const sim = useSimulator(450, (s) => control(s, "PUT", "/config", { callbackRetryDelayMs: 50 }));

const dataUri = `data:image/png;base64,${png(640, 360).toString("base64")}`;
const get = (id: string) => vidu(sim, "GET", `/ent/v2/tasks/${id}/creations`);

describe("Vidu auth (§3.2)", () => {
  for (const [name, auth] of [
    ["Bearer instead of Token", `Bearer ${CREDS.VIDU_API_KEY}`],
    ["a wrong key", "Token wrong-key"],
    ["an empty header", ""],
  ] as const) {
    it(`refuses ${name} with 401 Unauthorized`, async () => {
      const r = await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a" }, auth);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 401, reason: "Unauthorized", message: expect.any(String), metadata: { trace_id: expect.any(String) } });
    });
  }
});

describe("Vidu field validation (§3.3)", () => {
  const rejected: [string, string, Record<string, unknown>, string][] = [
    ["raw base64 (no data: prefix)", "img2video", { model: "viduq1", images: [png(640, 360).toString("base64")] }, "ImageFormatInvalid"],
    ["two images on img2video", "img2video", { model: "viduq1", images: [dataUri, dataUri] }, "FieldItemCountOutOfRange"],
    ["one image on start-end2video", "start-end2video", { model: "viduq1", images: [dataUri] }, "FieldItemCountOutOfRange"],
    ["eight images on reference2video", "reference2video", { model: "viduq1", prompt: "a", images: Array(8).fill(dataUri) }, "FieldItemCountOutOfRange"],
    ["reference2video without prompt", "reference2video", { model: "viduq1", images: [dataUri] }, "FieldLacking"],
    ["no model", "text2video", { prompt: "a" }, "FieldLacking"],
    ["a model the endpoint lacks", "text2video", { model: "vidu2.0", prompt: "a" }, "ModelUnavailable"],
    ["duration as a string", "text2video", { model: "viduq1", prompt: "a", duration: "5" }, "FieldInvalid"],
    ["a duration the model lacks", "text2video", { model: "viduq1", prompt: "a", duration: 8 }, "FieldInvalid"],
    ["a resolution the model lacks", "text2video", { model: "viduq1", prompt: "a", resolution: "720p" }, "FieldInvalid"],
    ["1080p for an 8 s vidu1.5 clip", "text2video", { model: "vidu1.5", prompt: "a", duration: 8, resolution: "1080p" }, "FieldInvalid"],
    ["4:3 on viduq1", "text2video", { model: "viduq1", prompt: "a", aspect_ratio: "4:3" }, "FieldInvalid"],
    ["images on text2video", "text2video", { model: "viduq1", prompt: "a", images: [dataUri] }, "FieldUnwanted"],
    ["a bad callback_url", "text2video", { model: "viduq1", prompt: "a", callback_url: "ftp://x" }, "FieldInvalid"],
    ["540p on viduq2-pro-fast", "img2video", { model: "viduq2-pro-fast", images: [dataUri], resolution: "540p" }, "FieldInvalid"],
    ["9 s on viduq2-pro-fast", "img2video", { model: "viduq2-pro-fast", images: [dataUri], duration: 9 }, "FieldInvalid"],
    ["viduq2-pro-fast on text2video", "text2video", { model: "viduq2-pro-fast", prompt: "a" }, "ModelUnavailable"],
    [
      "eight subject images in all",
      "reference2video",
      { model: "viduq2", prompt: "a", subjects: [1, 2, 3].map((n) => ({ id: `s${n}`, images: [dataUri, dataUri, dataUri] })) },
      "FieldItemCountOutOfRange",
    ],
  ];
  for (const [name, endpoint, body, reason] of rejected) {
    it(`rejects ${name} with 400 ${reason}`, async () => {
      const r = await vidu(sim, "POST", `/ent/v2/${endpoint}`, body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 400, reason, message: expect.any(String), metadata: { trace_id: expect.any(String) } });
    });
  }

  it("accepts the documented combinations", async () => {
    const ok: [string, Record<string, unknown>][] = [
      ["text2video", { model: "viduq2", prompt: "a", duration: 10, resolution: "1080p", aspect_ratio: "4:3", style: "anime", bgm: true }],
      ["text2video", { model: "vidu1.5", prompt: "a", duration: 8, resolution: "720p" }],
      ["img2video", { model: "vidu2.0", images: ["https://example.com/a.png"], duration: 4, resolution: "360p", unknown_field: 1 }],
      ["start-end2video", { model: "viduq1-classic", images: [dataUri, "https://example.com/b.jpg"] }],
      ["reference2video", { model: "viduq3-mix", prompt: "a", images: Array(7).fill(dataUri), aspect_ratio: "1:1", duration: 16 }],
    ];
    for (const [endpoint, body] of ok) {
      const r = await vidu(sim, "POST", `/ent/v2/${endpoint}`, body);
      expect(r.status, `${endpoint}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });
});

describe("Vidu task lifecycle", () => {
  it("creates, walks created→queueing→processing→success, calls back signed, serves the MP4", async () => {
    const hook = await receiver();
    const callbackUrl = `${hook.url}/vidu/callback?name=james&age=36`;
    try {
      const created = await vidu(sim, "POST", "/ent/v2/img2video", {
        model: "viduq1",
        images: [dataUri],
        prompt: "wave",
        payload: "corr-1",
        callback_url: callbackUrl,
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        task_id: expect.stringMatching(/^\d+$/),
        state: "created",
        type: "img2video",
        model: "viduq1",
        duration: 5,
        resolution: "1080p",
        payload: "corr-1",
        credits: expect.any(Number),
        seed: expect.any(Number),
      });
      expect(created.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      const id = created.body.task_id;

      const seen = new Set<string>();
      const done = await waitFor(async () => {
        const r = await get(id);
        seen.add(r.body.state);
        return r.body.state === "success" ? r.body : undefined;
      });
      expect([...seen]).toEqual(expect.arrayContaining(["processing", "success"]));
      expect(done).toMatchObject({ state: "success", err_code: "", payload: "corr-1", creations: [{ id: expect.any(String) }] });
      const file = await download(done.creations[0].url);
      expect(file.bytes.equals(SAMPLE)).toBe(true);
      const cover = await download(done.creations[0].cover_url);
      expect(cover.headers.get("content-type")).toBe("image/jpeg");

      await waitFor(async () => hook.received.length >= 2, 3000, "callbacks");
      expect(hook.received.map((r) => r.body.state)).toEqual(["processing", "success"]);
      for (const r of hook.received) {
        expect(r.path).toBe("/vidu/callback?name=james&age=36");
        expect(r.headers["x-hmac-signed-headers"]).toBe("Date;x-request-nonce");
        expect(Math.abs(Date.parse(String(r.headers.date)) - Date.now())).toBeLessThan(60_000);
        expect(viduSignatureValid(CREDS.VIDU_API_KEY, callbackUrl, r.headers)).toBe(true);
        expect(viduSignatureValid("another-key", callbackUrl, r.headers)).toBe(false);
      }
      expect(new Set(hook.received.map((r) => r.headers["x-request-nonce"])).size).toBe(2);
      expect(hook.received[1]!.body.creations[0].url).toContain(`/files/vidu/${id}.mp4`);
    } finally {
      await hook.close();
    }
  });

  it("passes through queueing (from delayMs/6 to delayMs/3)", async () => {
    await control(sim, "PUT", "/config", { delayMs: 1200 });
    const created = await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a" });
    expect(created.body.state).toBe("created");
    await waitFor(async () => (await get(created.body.task_id)).body.state === "queueing", 1000, "queueing");
  });

  it("retries a failed final-state callback 3 times, not a processing one", async () => {
    const hook = await receiver(() => 500);
    try {
      const id = (await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a", callback_url: `${hook.url}/cb` })).body.task_id;
      await waitFor(async () => hook.received.length >= 5, 5000, "5 deliveries");
      await new Promise((r) => setTimeout(r, 200));
      expect(hook.received.map((r) => r.body.state)).toEqual(["processing", "success", "success", "success", "success"]);
      const task = (await control(sim, "GET", `/tasks/${id}`)).body;
      expect(task.callbacks.map((c: { attempt: number; status: number }) => [c.attempt, c.status])).toEqual([
        [1, 500],
        [1, 500],
        [2, 500],
        [3, 500],
        [4, 500],
      ]);
    } finally {
      await hook.close();
    }
  });

  it("stops retrying once the receiver answers 2xx", async () => {
    const hook = await receiver((r, n) => (r.body.state === "success" && n < 3 ? 503 : 204));
    try {
      await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a", callback_url: `${hook.url}/cb` });
      await waitFor(async () => hook.received.length >= 3, 5000, "3 deliveries");
      await new Promise((r) => setTimeout(r, 300));
      expect(hook.received.map((r) => r.body.state)).toEqual(["processing", "success", "success"]);
    } finally {
      await hook.close();
    }
  });

  it("404s an unknown task", async () => {
    const r = await get("123456789012345678");
    expect(r.status).toBe(404);
    expect(r.body.reason).toBe("TaskNotFound");
  });
});

describe("Vidu cancel (§3.5)", () => {
  it("cancels a task that is not scheduled yet; it ends failed with UserCancelled", async () => {
    await control(sim, "PUT", "/config", { delayMs: 3000 });
    const id = (await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a" })).body.task_id;
    const r = await vidu(sim, "POST", `/ent/v2/tasks/${id}/cancel`, { id });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
    expect((await get(id)).body).toMatchObject({ state: "failed", err_code: "UserCancelled", creations: [] });
  });

  it("refuses once the task is processing", async () => {
    const id = (await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a [sim:never]" })).body.task_id;
    await waitFor(async () => (await get(id)).body.state === "processing", 3000, "processing");
    const r = await vidu(sim, "POST", `/ent/v2/tasks/${id}/cancel`, { id });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 400, reason: "BadRequest", message: "task state is scheduled, can not cancel" });
  });

  it("requires the id in the body", async () => {
    const id = (await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "a" })).body.task_id;
    expect((await vidu(sim, "POST", `/ent/v2/tasks/${id}/cancel`, {})).status).toBe(400);
  });
});

describe("Vidu prompt triggers", () => {
  it("[sim:refuse] → 400 AuditSubmitIllegal; [sim:busy] → 429 QuotaExceeded once", async () => {
    const refused = await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "x [sim:refuse]" });
    expect(refused.status).toBe(400);
    expect(refused.body.reason).toBe("AuditSubmitIllegal");
    const busy = await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "x [sim:busy]" });
    expect(busy.status).toBe(429);
    expect(busy.body.reason).toBe("QuotaExceeded");
    expect((await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "x [sim:busy]" })).status).toBe(200);
  });

  it("[sim:fail] ends failed with CreationPolicyViolation", async () => {
    const id = (await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "x [sim:fail]" })).body.task_id;
    const body = await waitFor(async () => {
      const b = (await get(id)).body;
      return b.state === "failed" ? b : undefined;
    });
    expect(body).toMatchObject({ err_code: "CreationPolicyViolation", creations: [] });
  });
});
