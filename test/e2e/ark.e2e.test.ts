import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2E, expectSampleVideoAt, startE2E } from "./stack.ts";

let e2e: E2E;

// Polls are 60 s apart here, so a task that finishes within a second or two was finished by Ark's callback.
beforeAll(async () => {
  e2e = await startE2E({ port: 18932, simPort: 18933 }, { vars: { POLL_INTERVALS: "60s" }, simEnv: { SIM_DELAY_MS: "2000" } });
}, 120_000);
afterAll(() => e2e?.close());

describe("Seedance through Ark, wrangler dev and the simulator", () => {
  it("runs Seedance 2.0 to a playable MP4, finished by Ark's callback", async () => {
    const created = await e2e.api("/v1/video/generations", {
      method: "POST",
      json: {
        model: "doubao-seedance-2-0-260128",
        prompt: "a red fox trotting through fresh snow",
        duration: 5,
        size: "1280x720",
        metadata: { generate_audio: false },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: "processing", model: "doubao-seedance-2-0-260128" });
    const id = created.body.task_id as string;

    const done = await e2e.waitForStatus(id, 30_000);
    const seenAt = Date.now();
    expect(done).toMatchObject({ status: "succeeded", error: null });
    await expectSampleVideoAt(done.url);

    const tasks = (await e2e.sim<{ tasks: any[] }>("/__sim/tasks?vendor=ark")).tasks;
    const simTask = tasks.find((t) => t.callbackUrl?.includes(`/v1/callbacks/ark/${id}?token=`));
    expect(simTask).toBeDefined();
    expect(simTask.id).toMatch(/^cgt-\d{14}-[a-z0-9]{5}$/);
    expect(seenAt - simTask.doneAt).toBeLessThan(1500);
    expect(simTask.callbacks.some((c: any) => c.state === "succeeded" && c.status === 200)).toBe(true);
  });

  it("cancels a queued task through POST …/cancel, which calls Ark's DELETE", async () => {
    await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 120_000 } });
    try {
      const created = await e2e.api("/v1/video/generations", { method: "POST", json: { model: "doubao-seedance-2-0-fast-260128", prompt: "a slow one" } });
      expect(created.status).toBe(200);
      const id = created.body.task_id as string;
      const before = (await e2e.sim<any>("/__sim/stats")).ark.cancel;

      const cancelled = await e2e.api(`/v1/video/generations/${id}/cancel`, { method: "POST" });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: "failed", error: { code: "cancelled" } });

      expect((await e2e.sim<any>("/__sim/stats")).ark.cancel).toBe(before + 1);
      const tasks = (await e2e.sim<{ tasks: any[] }>("/__sim/tasks?vendor=ark")).tasks;
      const simTask = tasks.find((t) => t.callbackUrl?.includes(`/v1/callbacks/ark/${id}?token=`));
      expect(simTask.state).toBe("cancelled");
      expect((await e2e.api(`/v1/video/generations/${id}/cancel`, { method: "POST" })).status).toBe(409);
    } finally {
      await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 2000 } });
    }
  });
});
