// Money across a crash: `wrangler dev` is SIGKILLed after the vendor reported success but before the gateway charged
// the key (the videos are still being copied into storage, so the tasks are not final and their price is only
// reserved). Restarted on the same state, every task finishes and is charged exactly once: the balance, the key's
// usage (D1 ledger) and the tasks' costs agree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ADMIN_KEY } from "../../scripts/local-stack.ts";
import { until } from "../support/until.ts";
import { type E2E, type Json, startE2E } from "./stack.ts";

const PORTS = { port: 18950, simPort: 18951 };
/** kling-v1: 720p, 98 credits a second, 5 s by default. */
const PRICE = 98 * 5;

let e2e: E2E;

const admin = (path: string, init: Parameters<E2E["api"]>[1] = {}) => e2e.api(`/v1/admin${path}`, { key: LOCAL_ADMIN_KEY, ...init });

describe("SIGKILL between the vendor's success and the charge", () => {
  beforeAll(async () => {
    e2e = await startE2E(PORTS, { vars: { POLL_INTERVALS: "1s", WATCHDOG_AFTER: "5s" } });
  }, 120_000);
  afterAll(() => e2e?.close());

  it("charges each task exactly once after the restart", async () => {
    const made = await admin("/keys", { method: "POST", json: { label: "crash", credits: 10 * PRICE } });
    expect(made.status).toBe(201);
    const { id, key } = made.body as { id: string; key: string };

    await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 1500, callbacks: true } });
    // The vendor's CDN stalls the downloads: the vendor says "succeeded", the gateway has not finished (nor charged).
    await e2e.sim("/__sim/faults", { method: "POST", json: { vendor: "kling", op: "download", delayMs: 20_000, times: 3 } });
    const posts = await Promise.all(
      [1, 2, 3].map((i) => e2e.api("/v1/video/generations", { method: "POST", key, json: { model: "kling-v1", prompt: `charged once ${i}` } })),
    );
    const ids = posts.map((p) => {
      expect([p.status, p.body.cost]).toEqual([200, PRICE]);
      return p.body.task_id as string;
    });
    await until("every download to start", async () => (await e2e.sim<{ kling: Json }>("/__sim/stats")).kling.download >= ids.length);
    const { tasks } = await e2e.sim<{ tasks: Json[] }>("/__sim/tasks");
    expect(tasks.map((t) => t.state)).toEqual(ids.map(() => "succeed")); // this file's simulator holds only these
    const before = (await e2e.api("/v1/account", { key })).body.credits;
    expect(before).toEqual({ balance: 10 * PRICE, reserved: 3 * PRICE });

    await e2e.stack.stopGateway("SIGKILL");
    expect(e2e.stack.gateway.signalCode).toBe("SIGKILL");
    await e2e.stack.startGateway();

    // A workflow killed mid-download is restarted by its TaskObject's watchdog once its download is overdue (up to
    // about two minutes: the ingest allowance of src/tasks/liveness.ts).
    const finals = await Promise.all(ids.map((taskId) => waitFinal(key, taskId, 180_000)));
    for (const f of finals) expect([f.status, f.cost]).toEqual(["succeeded", PRICE]);
    const credits = await until("the charges to land", async () => {
      const c = (await e2e.api("/v1/account", { key })).body.credits;
      return c.reserved === 0 ? c : undefined;
    });
    expect(credits).toEqual({ balance: 7 * PRICE, reserved: 0 });
    const usage = await admin(`/usage?group_by=key&key_id=${id}`);
    expect(usage.body.data).toEqual([{ key_id: id, tasks: 3, succeeded: 3, failed: 0, seconds: 15, credits: 3 * PRICE }]);
    // Stays that way: no late duplicate charge from a replayed notice or a restarted workflow.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect((await e2e.api("/v1/account", { key })).body.credits).toEqual({ balance: 7 * PRICE, reserved: 0 });
    expect((await e2e.api("/v1/usage", { key })).body.data).toEqual([
      { day: new Date().toISOString().slice(0, 10), tasks: 3, succeeded: 3, failed: 0, seconds: 15, credits: 3 * PRICE },
    ]);
  }, 240_000);
});

/** The task once final, through the gateway's own ?wait= (at most 60 s a call), with the task's own key. */
async function waitFinal(key: string, id: string, timeoutMs: number): Promise<Json> {
  for (const end = Date.now() + timeoutMs; ; ) {
    const { body } = await e2e.api(`/v1/video/generations/${id}?wait=60`, { key });
    if (body.status !== "processing" || Date.now() >= end) return body;
  }
}
