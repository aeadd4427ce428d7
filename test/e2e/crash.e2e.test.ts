// Crash recovery: `wrangler dev` (wrangler and its workerd, one process group) is SIGKILLed while Kling tasks are in
// flight, then started again on the same persisted state (.wrangler-style --persist-to dir). Every task must still
// reach `succeeded`, with exactly one vendor submission each (the simulator counts create calls per external_task_id,
// which the gateway sets to its own task id).
//
// Locally, a Workflow instance that was running when its runtime was killed stays `running` forever (platform notes
// §3.1): what revives it is the TaskObject's watchdog alarm. Each report of the workflow to its TaskObject says when
// the next one is due (the next poll, a download's next part); WATCHDOG_AFTER (its default, 10 s, here) past that,
// the workflow is restarted. The restarted workflow runs from the start, and its steps find what is already done in
// the TaskObject (the upstream id, the vendor's video URL). The steps must not pay twice, which is what the
// simulator's books check.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { until } from "../support/until.ts";
import { type E2E, type Json, SAMPLE_BYTES, startE2E } from "./stack.ts";

const PORTS = { port: 18853, simPort: 18854 };

interface KlingStats {
  create: number;
  accepted: number;
  query: number;
  download: number;
  byExternalId: Record<string, { calls: number; accepted: number }>;
}

let e2e: E2E;
let output = "";

/** Reads the gateway's and simulator's output (an unread pipe can fill up and stall them); kept for failure reports. */
function drain(): void {
  const { gateway, simulator } = e2e.stack;
  for (const stream of [gateway.stdout, gateway.stderr, simulator.stdout, simulator.stderr]) {
    if (stream && stream.listenerCount("data") === 0) stream.on("data", (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-20_000)));
  }
}

const kling = async () => (await e2e.sim<{ kling: KlingStats }>("/__sim/stats")).kling;

async function gatewayAnswers(): Promise<boolean> {
  try {
    await fetch(`${e2e.stack.gatewayUrl}/v1/models`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to wrangler's whole process group (wrangler and workerd die together), then a start on the same state. */
async function crashAndRestart(): Promise<void> {
  await e2e.stack.stopGateway("SIGKILL");
  expect(e2e.stack.gateway.signalCode).toBe("SIGKILL");
  expect(await gatewayAnswers()).toBe(false); // workerd is gone too: nothing listens on the gateway's port
  await e2e.stack.startGateway();
  drain();
}

/** Waits for every task to be final; each must have succeeded with the sample video, submitted to Kling once. */
async function expectAllSucceededOnce(ids: string[]): Promise<KlingStats> {
  const finals = await Promise.all(ids.map((id) => e2e.waitForStatus(id, 60_000)));
  const stats = await kling();
  for (const [i, task] of finals.entries()) {
    expect(task.status, `${ids[i]}: ${JSON.stringify(task.error)}\n${output}`).toBe("succeeded");
    expect(task.metadata).toMatchObject(SAMPLE_VIDEO.ffprobe);
    const video = await fetch(task.url);
    expect(Buffer.from(await video.arrayBuffer()).equals(SAMPLE_BYTES)).toBe(true);
    expect(stats.byExternalId[ids[i]!], `vendor submissions of ${ids[i]}`).toEqual({ calls: 1, accepted: 1 });
  }
  expect([stats.create, stats.accepted]).toEqual([ids.length, ids.length]);
  return stats;
}

async function post(prompt: string): Promise<string> {
  const created = await e2e.api("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt } });
  expect([created.status, created.body.status]).toEqual([200, "processing"]);
  return created.body.task_id as string;
}

describe("SIGKILL of wrangler dev mid-task, restart on the same state", () => {
  beforeAll(async () => {
    e2e = await startE2E(PORTS, { vars: { POLL_INTERVALS: "1s" } });
    drain();
  }, 120_000);
  afterAll(() => e2e?.close());
  beforeEach(async () => {
    await e2e.sim("/__sim/reset", { method: "POST" });
  });

  it("right after a POST's 200: the task resumes within seconds of the restart and succeeds within 30 s", async () => {
    await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 1500, callbacks: true } });
    const id = await post("crash right after the answer");
    await crashAndRestart();
    const restarted = Date.now();
    const task = await e2e.waitForStatus(id, 30_000);
    expect(task.status, `${JSON.stringify(task.error)}\n${output}`).toBe("succeeded");
    expect(Date.now() - restarted).toBeLessThan(30_000);
    await expectAllSucceededOnce([id]);
  }, 90_000);

  it("while polling: 4 Kling tasks the vendor is still rendering all succeed, each submitted once", async () => {
    // 10 s to render and no callbacks: the workflows are in their wait/poll loop when the runtime dies.
    await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 10_000, callbacks: false } });
    const ids = await Promise.all([1, 2, 3, 4].map((i) => post(`crash while polling ${i}`)));
    await until("every task to be polled", async () => (await kling()).query >= 2 * ids.length);
    const { tasks } = await e2e.sim<{ tasks: Json[] }>("/__sim/tasks");
    expect(tasks.map((t) => t.state)).toEqual(ids.map(() => expect.stringMatching(/^(submitted|processing)$/))); // not done upstream

    await crashAndRestart();
    for (const id of ids) expect((await e2e.api(`/v1/video/generations/${id}`)).body.status).toBe("processing"); // not lost
    await expectAllSucceededOnce(ids);
  }, 90_000);

  it("while ingesting: 3 Kling tasks whose downloads are in flight all succeed, each submitted once", async () => {
    await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 1500, callbacks: true } });
    // The vendor's CDN stalls the first 3 downloads for 20 s: the ingest steps are mid-download when the runtime dies.
    await e2e.sim("/__sim/faults", { method: "POST", json: { vendor: "kling", op: "download", delayMs: 20_000, times: 3 } });
    const ids = await Promise.all([1, 2, 3].map((i) => post(`crash while ingesting ${i}`)));
    await until("every task's download to start", async () => (await kling()).download >= ids.length);
    const { tasks } = await e2e.sim<{ tasks: Json[] }>("/__sim/tasks");
    expect(tasks.map((t) => t.state)).toEqual(ids.map(() => "succeed")); // the vendor is done; the gateway is copying
    for (const id of ids) expect((await e2e.api(`/v1/video/generations/${id}`)).body).toMatchObject({ status: "processing", url: null });

    await crashAndRestart();
    const stats = await expectAllSucceededOnce(ids);
    expect(stats.download).toBeGreaterThanOrEqual(2 * ids.length); // each video was fetched again after the restart
  }, 90_000);

  it("while submitting: 2 tasks whose POST dies with the runtime (create in flight at the vendor) succeed, each submitted once", async () => {
    await e2e.sim("/__sim/config", { method: "PUT", json: { delayMs: 1500, callbacks: true } });
    // The vendor takes 1.5 s to answer the create; the runtime dies before it answers. The vendor does create the
    // task, so the restarted submit step must find it by external_task_id rather than create it again. (The restart
    // takes longer than 1.5 s, so the vendor has created it by the time anyone asks.)
    await e2e.sim("/__sim/faults", { method: "POST", json: { vendor: "kling", op: "create", delayMs: 1500, times: 2 } });
    const posts = [1, 2].map((i) =>
      e2e.api("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: `crash while submitting ${i}` } }).then(
        (r) => r.status,
        () => "connection lost",
      ),
    );
    const ids = await until("both creates to reach the vendor", async () => {
      const byId = (await kling()).byExternalId;
      return Object.keys(byId).length === 2 ? Object.keys(byId) : undefined;
    });

    await crashAndRestart();
    expect(await Promise.all(posts)).toEqual(["connection lost", "connection lost"]); // the client never got an answer
    // The ids come from the vendor's books (the client never learned them); the tasks exist and finish anyway.
    await expectAllSucceededOnce(ids);
  }, 90_000);
});
