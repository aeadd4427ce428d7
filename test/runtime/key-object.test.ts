import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const keyObject = () => env.KEYS.getByName(`test-${crypto.randomUUID()}`);
const NO_LIMITS = { perMinute: 0, concurrent: 0 };
const go = (taskId: string, resumed = false) => ({ kind: "go", taskId, resumed });

describe("KeyObject admission", () => {
  it("limits task creations per minute, saying when to retry", async () => {
    const keys = keyObject();
    const limits = { perMinute: 2, concurrent: 0 };
    const now = 1_000_000;
    expect(await keys.admit(null, "a", limits, "t1", now)).toEqual(go("t1"));
    expect(await keys.admit(null, "b", limits, "t2", now + 10_000)).toEqual(go("t2"));
    expect(await keys.admit(null, "c", limits, "t3", now + 20_000)).toEqual({ kind: "limited", reason: "rate", retryAfterS: 40 });
    expect(await keys.admit(null, "d", limits, "t4", now + 60_001)).toEqual(go("t4")); // the first left the window
  });

  it("limits tasks processing at once; a finished task frees its place", async () => {
    const keys = keyObject();
    const limits = { perMinute: 0, concurrent: 2 };
    await keys.addTask("t1", Date.now());
    await keys.addTask("t2", Date.now());
    expect(await keys.admit(null, "x", limits, "t3")).toMatchObject({ kind: "limited", reason: "concurrency" });
    await keys.finished("t1", "succeeded");
    expect(await keys.admit(null, "x", limits, "t3")).toEqual(go("t3"));
  });

  it("frees the slot of a task whose 'finished' notice was lost (or that never came to exist), rather than 429 forever", async () => {
    const keys = keyObject();
    const limits = { perMinute: 0, concurrent: 1 };
    // A slot still taken a minute later by a task that does not exist: its POST died, or its notice was lost.
    await keys.addTask(`vgt_ghost${crypto.randomUUID().replaceAll("-", "")}`, Date.now() - 60_000);
    expect(await keys.admit(null, "x", limits, "t1")).toEqual(go("t1"));
    // A young one is left alone: its TaskObject may be on its way.
    await keys.addTask("young", Date.now());
    expect(await keys.admit(null, "y", limits, "t2")).toMatchObject({ kind: "limited", reason: "concurrency" });
  });

  it("replays a settled Idempotency-Key, refuses it with another body, and forgets an abandoned one", async () => {
    const keys = keyObject();
    expect(await keys.admit("k", "body-1", NO_LIMITS, "t1")).toEqual(go("t1"));
    await keys.settle("k", { status: 200, body: '{"task_id":"t1"}' });
    expect(await keys.admit("k", "body-1", NO_LIMITS, "t2")).toEqual({ kind: "replay", response: { status: 200, body: '{"task_id":"t1"}' } });
    expect(await keys.admit("k", "body-2", NO_LIMITS, "t3")).toEqual({ kind: "mismatch" });

    expect(await keys.admit("j", "body", NO_LIMITS, "t4")).toEqual(go("t4"));
    await keys.abandon("j");
    expect(await keys.admit("j", "body", NO_LIMITS, "t5")).toEqual(go("t5"));
  });

  it("hands a key whose request died (its lease ran out) to the retry, with the same task id: never a second task", async () => {
    const keys = keyObject();
    const then = Date.now() - 60_000;
    expect(await keys.admit("k", "body", NO_LIMITS, "t-first", then)).toEqual(go("t-first"));
    // No settle: the Worker died between admit and settle. The retry does not wait 30 s nor get 409.
    const started = Date.now();
    expect(await keys.admit("k", "body", NO_LIMITS, "t-second")).toEqual(go("t-first", true));
    expect(Date.now() - started).toBeLessThan(5_000);
    await keys.settle("k", { status: 200, body: '{"task_id":"t-first"}' });
    expect(await keys.admit("k", "body", NO_LIMITS, "t-third")).toMatchObject({ kind: "replay" });
  });

  it("wakes a waiting duplicate as soon as the first request settles or gives up, not after its lease", async () => {
    const keys = keyObject();
    expect(await keys.admit("k", "body", NO_LIMITS, "t1")).toEqual(go("t1"));
    const waiting = keys.admit("k", "body", NO_LIMITS, "t2");
    await keys.abandon("k"); // the first failed before any task existed
    expect(await waiting).toEqual(go("t2"));

    expect(await keys.admit("j", "body", NO_LIMITS, "t3")).toEqual(go("t3"));
    const replayed = keys.admit("j", "body", NO_LIMITS, "t4");
    await keys.settle("j", { status: 200, body: "{}" });
    expect(await replayed).toMatchObject({ kind: "replay" });
  });

  it("lets idempotency keys expire after 24 hours", async () => {
    const keys = keyObject();
    const day = 24 * 3600 * 1000;
    expect(await keys.admit("k", "body-1", NO_LIMITS, "t1", 0)).toEqual(go("t1"));
    await keys.settle("k", { status: 200, body: "{}" });
    expect(await keys.admit("k", "body-2", NO_LIMITS, "t2", day - 1)).toEqual({ kind: "mismatch" });
    expect(await keys.admit("k", "body-2", NO_LIMITS, "t3", day + 1)).toEqual(go("t3"));
  });

  it("reconciles money on its alarm: a reservation whose task never came to exist is withdrawn, once", async () => {
    const keyId = `key_rec${crypto.randomUUID().replaceAll("-", "")}`;
    const keys = env.KEYS.getByName(keyId);
    await keys.openAccount(keyId, 1000);
    const bill = { keyId, model: "kling-v1", resolution: "720p", seconds: 5, price: 300 };
    // Its POST reserved, then died before the TaskObject existed (a minute ago).
    expect(await keys.addTask(`vgt_ghost${crypto.randomUUID().replaceAll("-", "")}`, Date.now() - 60_000, bill)).toEqual({ ok: true });
    expect(await keys.credits()).toEqual({ balance: 1000, reserved: 300 });
    expect(await runDurableObjectAlarm(keys)).toBe(true);
    expect(await keys.credits()).toEqual({ balance: 1000, reserved: 0 });
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM tasks WHERE key_id = ?").bind(keyId).first<{ n: number }>())!;
    expect(n).toBe(0);
  });
});
