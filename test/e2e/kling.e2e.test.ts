import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { KLING_EXAMPLE } from "../../src/api/examples.ts";
import { type E2E, expectSampleVideoAt, startE2E } from "./stack.ts";

let e2e: E2E;

// Polls are 60 s apart here, so a task that finishes within a second or two was finished by the callback.
beforeAll(async () => {
  e2e = await startE2E({ port: 18801, simPort: 18802 }, { vars: { POLL_INTERVALS: "60s" }, simEnv: { SIM_DELAY_MS: "2000" } });
}, 120_000);
afterAll(() => e2e?.close());

describe("Kling through wrangler dev and the simulator", () => {
  it("runs the 88API Kling example to a playable MP4, finished by the vendor's callback", async () => {
    const created = await e2e.api("/v1/video/generations", { method: "POST", json: KLING_EXAMPLE });
    expect(created.status).toBe(200);
    expect(created.body.status).toBe("processing");
    const id = created.body.task_id as string;

    const done = await e2e.waitForStatus(id, 30_000);
    const seenAt = Date.now();
    expect(done).toMatchObject({ status: "succeeded", metadata: { ...SAMPLE_VIDEO.ffprobe, seed: 20231234 } });

    const simTask = (await e2e.sim<{ tasks: any[] }>("/__sim/tasks")).tasks.find((t) => t.externalId === id);
    expect(simTask.callbackUrl).toMatch(new RegExp(`/v1/callbacks/kling/${id}\\?token=`));
    expect(seenAt - simTask.doneAt).toBeLessThan(1500);

    // Anyone holding the url gets the bytes without a key.
    await expectSampleVideoAt(done.url);
    const stats = await e2e.sim<any>("/__sim/stats");
    expect(stats.kling.byExternalId[id]).toEqual({ calls: 1, accepted: 1 }); // paid exactly once
  });

  it("refuses a callback with a wrong token and leaves the task as it was", async () => {
    const created = await e2e.api("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "[sim:never] a slow one" } });
    const id = created.body.task_id as string;
    const simTask = (await e2e.sim<{ tasks: any[] }>("/__sim/tasks")).tasks.find((t) => t.externalId === id);
    const forged = simTask.callbackUrl.replace(/token=[0-9a-f]+/, `token=${"f".repeat(64)}`);
    const body = { task_id: simTask.id, task_status: "succeed", task_result: { videos: [{ id: "v", url: `${e2e.stack.simUrl}/files/sample.mp4` }] } };
    const answer = await e2e.api(forged, { method: "POST", json: body, key: null });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ type: "authentication_error", code: "invalid_callback_signature" });
    const after = await e2e.api(`/v1/video/generations/${id}`);
    expect(after.body).toMatchObject({ status: "processing", url: null });
  });
});
