import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { SIM_CREDENTIALS } from "../../simulator/credentials.ts";
import { VIDU_EXAMPLE } from "../../src/api/examples.ts";
import { until } from "../support/until.ts";
import { viduSignedHeaders, viduSigningString } from "../support/vidu-signer.ts";
import { type E2E, expectSampleVideoAt, type Json, startE2E } from "./stack.ts";

const PORT = 18811;
const SIM_PORT = 18812;

/** A Vidu callback signed with the simulator's key, unless another `secret` is given. */
const signedHeaders = (url: string, opts: { secret?: string; date?: Date; nonce?: string } = {}) =>
  viduSignedHeaders(url, opts.secret ?? SIM_CREDENTIALS.VIDU_API_KEY, opts);

let e2e: E2E;

const simTasks = async () => (await e2e.sim<{ tasks: Json[] }>("/__sim/tasks?vendor=vidu")).tasks;
/** The simulator's record of the vendor task the gateway created for this gateway task. */
async function simTaskFor(id: string): Promise<Json> {
  const found = (await simTasks()).filter((t) => typeof t.callbackUrl === "string" && t.callbackUrl.includes(`/${id}?`));
  expect(found).toHaveLength(1);
  return found[0]!;
}
const viduStats = async () => (await e2e.sim<Json>("/__sim/stats")).vidu as Json;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Polls are 60 s apart, so a task finished within a second of the vendor was finished by the callback, and in the
// rejection tests no poll happens unless a callback wakes the workflow.
beforeAll(async () => {
  e2e = await startE2E({ port: PORT, simPort: SIM_PORT }, { vars: { POLL_INTERVALS: "60s" }, simEnv: { SIM_DELAY_MS: "2000" } });
}, 120_000);
afterAll(() => e2e?.close());

describe("the test's own Vidu signer", () => {
  it("reproduces the documented signature example (§3.7 test vector)", () => {
    const date = "Tue, 06 May 2025 12:09:42 GMT";
    const nonce = "123e4567-e89b-12d3-a456-426614174000";
    const text = viduSigningString("POST", "http://127.0.0.1:8080/vidu/callback?name=james&age=36", date, nonce);
    expect(text).toBe(
      "POST\n/vidu/callback\nname=james&age=36\nvidu\nTue, 06 May 2025 12:09:42 GMT\nDate:Tue, 06 May 2025 12:09:42 GMT\nx-request-nonce:123e4567-e89b-12d3-a456-426614174000\n",
    );
    expect(createHmac("sha256", "vidu_test_api_key_123").update(text).digest("base64")).toBe("do3X61f1S0kRjNUve4/vDUdUAJ7yIYtk1bpSVbQcdIE=");
  });
});

describe("Vidu through wrangler dev and the simulator", () => {
  it("runs the 88API Vidu example to a playable MP4, finished by the vendor's signed callback to the gateway's own URL", async () => {
    const created = await e2e.api("/v1/video/generations", { method: "POST", json: VIDU_EXAMPLE });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: "processing", model: "viduq1", url: null, error: null });
    const id = created.body.task_id as string;

    const done = await e2e.waitForStatus(id, 15_000);
    const seenAt = Date.now();

    // The vendor got the gateway's per-task callback URL, never the user's webhook.
    let simTask = await simTaskFor(id);
    // (a delivery's answer status is recorded when the answer arrives, which may trail the task by a moment)
    for (let i = 0; i < 20 && simTask.callbacks.some((cb: Json) => cb.status === 0 && !cb.error); i++) {
      await sleep(100);
      simTask = await simTaskFor(id);
    }
    expect(simTask.kind).toBe("img2video");
    expect(simTask.callbackUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${PORT}/v1/callbacks/vidu/${id}\\?token=[0-9a-f]+$`));
    expect(JSON.stringify(await simTasks())).not.toContain("your-callback-url.com");
    // Every signed callback the vendor sent (processing, success) was accepted at the first attempt.
    expect(simTask.callbacks.map((cb: Json) => [cb.state, cb.attempt, cb.status])).toEqual([
      ["processing", 1, 200],
      ["success", 1, 200],
    ]);
    // The success callback, not a poll (60 s away), finished the task.
    expect(done).toMatchObject({ status: "succeeded", error: null, metadata: SAMPLE_VIDEO.ffprobe });
    expect(seenAt - simTask.doneAt).toBeLessThan(1500);

    // Anyone holding the url gets the very bytes the vendor served, without a key.
    await expectSampleVideoAt(done.url);

    const stats = await viduStats();
    expect(stats).toMatchObject({ create: 1, accepted: 1, unauthorized: 0 }); // paid exactly once, always authorized
  });

  describe("callbacks that do not verify", () => {
    let id: string;
    let url: string; // the task's genuine callback URL, as the vendor received it
    let simTask: Json;
    let before: Json;
    let queriesBefore: number;

    const callbackBody = () =>
      JSON.stringify({
        id: simTask.id,
        state: "success",
        err_code: "",
        credits: 10,
        payload: "",
        creations: [{ id: "1", url: `${e2e.stack.simUrl}/files/vidu/${simTask.id}.mp4`, cover_url: `${e2e.stack.simUrl}/files/vidu/${simTask.id}.jpg` }],
      });
    const send = (target: string, headers: Record<string, string>, body = callbackBody()) => e2e.api(target, { method: "POST", headers, body, key: null });

    /** 401 in the flat error format, and nothing changed: no poll was woken, the task is exactly as it was. */
    function expectRejected(answer: Awaited<ReturnType<E2E["api"]>>, why: RegExp) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ code: "invalid_callback_signature", message: expect.any(String), param: null, type: "authentication_error" });
      // Rejected for the fault under test, not for another one (the message is not part of the contract, so loosely).
      expect(answer.body.message).toMatch(why);
      expect(answer.body.message).not.toContain(SIM_CREDENTIALS.VIDU_API_KEY);
    }
    async function expectUnchanged(queries: number, snapshot = before) {
      await sleep(1500);
      expect((await viduStats()).query).toBe(queries);
      expect((await e2e.api(`/v1/video/generations/${id}`)).body).toEqual(snapshot);
    }

    beforeAll(async () => {
      // No vendor callbacks of its own for this task: every callback it gets below is one of ours.
      await e2e.sim("/__sim/config", { method: "PUT", json: { callbacks: false } });
      const created = await e2e.api("/v1/video/generations", {
        method: "POST",
        json: { model: "viduq1", prompt: "[sim:never] a task that never finishes" },
      });
      expect(created.status).toBe(200);
      id = created.body.task_id;
      simTask = await simTaskFor(id);
      url = simTask.callbackUrl;
      expect(url).toMatch(new RegExp(`/v1/callbacks/vidu/${id}\\?token=[0-9a-f]+$`));
      before = (await e2e.api(`/v1/video/generations/${id}`)).body;
      expect(before).toMatchObject({ status: "processing", url: null, error: null });
      queriesBefore = (await viduStats()).query;
    });
    afterAll(async () => {
      await e2e?.sim("/__sim/config", { method: "PUT", json: { callbacks: true } });
    });

    it("refuses a forged signature (wrong key, or signed for another URL, or unsigned)", async () => {
      expectRejected(await send(url, signedHeaders(url, { secret: "not-the-vidu-key" })), /signature/i);
      const other = url.replace(`/vidu/${id}?`, `/vidu/${id}x?`);
      expectRejected(await send(url, signedHeaders(other)), /signature/i);
      const tampered = signedHeaders(url);
      const bits = Buffer.from(tampered["X-HMAC-SIGNATURE"]!, "base64");
      bits[0] = bits[0]! ^ 1; // one bit off
      tampered["X-HMAC-SIGNATURE"] = bits.toString("base64");
      expectRejected(await send(url, tampered), /signature/i);
      expectRejected(await send(url, { "content-type": "application/json" }), /X-HMAC/i);
      await expectUnchanged(queriesBefore);
    });

    it("refuses a correctly signed callback whose Date is more than 5 minutes off", async () => {
      expectRejected(await send(url, signedHeaders(url, { date: new Date(Date.now() - 6 * 60_000) })), /date/i);
      expectRejected(await send(url, signedHeaders(url, { date: new Date(Date.now() + 6 * 60_000) })), /date/i);
      await expectUnchanged(queriesBefore);
    });

    it("refuses a correctly signed callback with a wrong or missing URL token", async () => {
      const wrong = url.replace(/token=[0-9a-f]+/, `token=${"f".repeat(64)}`);
      expectRejected(await send(wrong, signedHeaders(wrong)), /token/i);
      const bare = url.replace(/\?token=.*$/, "");
      expectRejected(await send(bare, signedHeaders(bare)), /token/i);
      await expectUnchanged(queriesBefore);
    });

    it("accepts a genuine callback once (a poll confirms it), then refuses its exact replay", async () => {
      const headers = signedHeaders(url);
      const body = callbackBody();
      const first = await send(url, headers, body);
      expect(first.status).toBe(200);
      // The callback only woke the workflow: one poll asked the vendor, which says the task is still processing.
      await until("the poll the callback woke", async () => (await viduStats()).query > queriesBefore, 10_000);
      expect((await viduStats()).query).toBe(queriesBefore + 1);
      await sleep(500);
      const afterFirst = (await e2e.api(`/v1/video/generations/${id}`)).body;
      expect(afterFirst).toMatchObject({ status: "processing", url: null, error: null });

      expectRejected(await send(url, headers, body), /nonce|replay/i);
      await expectUnchanged(queriesBefore + 1, afterFirst);
      expect((await simTaskFor(id)).state).toBe("processing");
    });
  });
});
