import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { JIMENG_EXAMPLE } from "../../src/api/examples.ts";
import { type E2E, expectSampleVideoAt, type Json, startE2E } from "./stack.ts";

let e2e: E2E;

const jimengStats = async () => (await e2e.sim<Json>("/__sim/stats")).jimeng as Json;
const jimengTasks = async () => (await e2e.sim<{ tasks: Json[] }>("/__sim/tasks?vendor=jimeng")).tasks;

// Jimeng has no callbacks: the default poll schedule (2s, 5s, …) finds the task done at the first poll.
beforeAll(async () => {
  e2e = await startE2E({ port: 18821, simPort: 18822 }, { simEnv: { SIM_DELAY_MS: "1500" } });
}, 120_000);
afterAll(() => e2e?.close());

describe("Jimeng through wrangler dev and the simulator", () => {
  it("runs the 88API Jimeng example to a playable MP4, every request signed so the simulator's verifier accepts it", async () => {
    const created = await e2e.api("/v1/video/generations", { method: "POST", json: JIMENG_EXAMPLE });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: "processing", model: "jimeng_vgfm_t2v_l20", url: null, error: null });
    const id = created.body.task_id as string;

    const done = await e2e.waitForStatus(id, 20_000);
    expect(done).toMatchObject({ status: "succeeded", error: null, metadata: { ...SAMPLE_VIDEO.ffprobe, seed: null } });

    // metadata.req_key chose the image-to-video key, and the vendor took the image by URL.
    const tasks = await jimengTasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ req_key: "jimeng_vgfm_i2v_l20", state: "done", failure: null });

    // The round trip of the gateway's Volcengine signature V4: the simulator's verifier (an independent
    // implementation) accepted the submit and every GetResult poll; none was unauthorized.
    const stats = await jimengStats();
    expect(stats).toMatchObject({ create: 1, accepted: 1, unauthorized: 0 });
    expect(stats.query).toBeGreaterThanOrEqual(1);

    await expectSampleVideoAt(done.url);
  });

  it("ends a task the vendor's output check rejects ([sim:fail]) failed, with a content-policy error", async () => {
    const created = await e2e.api("/v1/video/generations", {
      method: "POST",
      json: { ...JIMENG_EXAMPLE, prompt: "[sim:fail] 一个穿着宇航服的宇航员在月球上行走" },
    });
    expect(created.status).toBe(200);
    expect(created.body.status).toBe("processing");

    const done = await e2e.waitForStatus(created.body.task_id, 20_000);
    expect(done).toMatchObject({
      status: "failed",
      url: null,
      error: { code: "content_policy_violation", type: "invalid_request_error", message: expect.stringContaining("50516") },
    });
    expect(typeof done.completed_at).toBe("number");
    expect((await jimengStats()).unauthorized).toBe(0);
  });

  it("answers a prompt the vendor refuses at submit ([sim:refuse]) with 400 content_policy_violation", async () => {
    const before = await jimengStats();
    const refused = await e2e.api("/v1/video/generations", {
      method: "POST",
      json: { ...JIMENG_EXAMPLE, prompt: "[sim:refuse] 一个穿着宇航服的宇航员在月球上行走" },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: "content_policy_violation",
      message: expect.stringContaining("50412"),
      param: null,
      type: "invalid_request_error",
    });
    const after = await jimengStats();
    expect(after.create).toBe(before.create + 1); // it did reach the vendor, signed correctly …
    expect(after.accepted).toBe(before.accepted); // … which refused it
    expect(after.unauthorized).toBe(0);
  });
});
