import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const keyObject = () => env.KEYS.getByName(`test-${crypto.randomUUID()}`);
const NO_LIMITS = { perMinute: 0, concurrent: 0 };

describe("KeyObject admission", () => {
  it("limits task creations per minute, saying when to retry", async () => {
    const keys = keyObject();
    const limits = { perMinute: 2, concurrent: 0 };
    const now = 1_000_000;
    expect(await keys.admit(null, "a", limits, now)).toEqual({ kind: "go" });
    expect(await keys.admit(null, "b", limits, now + 10_000)).toEqual({ kind: "go" });
    expect(await keys.admit(null, "c", limits, now + 20_000)).toEqual({ kind: "limited", reason: "rate", retryAfterS: 40 });
    expect(await keys.admit(null, "d", limits, now + 60_001)).toEqual({ kind: "go" }); // the first left the window
  });

  it("limits tasks processing at once; a finished task frees its place", async () => {
    const keys = keyObject();
    const limits = { perMinute: 0, concurrent: 2 };
    await keys.addTask("t1", 1);
    await keys.addTask("t2", 2);
    expect(await keys.admit(null, "x", limits)).toMatchObject({ kind: "limited", reason: "concurrency" });
    await keys.finished("t1");
    expect(await keys.admit(null, "x", limits)).toEqual({ kind: "go" });
  });

  it("replays a settled Idempotency-Key, refuses it with another body, and forgets an abandoned one", async () => {
    const keys = keyObject();
    expect(await keys.admit("k", "body-1", NO_LIMITS)).toEqual({ kind: "go" });
    await keys.settle("k", { status: 200, body: '{"task_id":"t"}' });
    expect(await keys.admit("k", "body-1", NO_LIMITS)).toEqual({ kind: "replay", response: { status: 200, body: '{"task_id":"t"}' } });
    expect(await keys.admit("k", "body-2", NO_LIMITS)).toEqual({ kind: "mismatch" });

    expect(await keys.admit("j", "body", NO_LIMITS)).toEqual({ kind: "go" });
    await keys.abandon("j");
    expect(await keys.admit("j", "body", NO_LIMITS)).toEqual({ kind: "go" });
  });

  it("lets idempotency keys expire after 24 hours", async () => {
    const keys = keyObject();
    const day = 24 * 3600 * 1000;
    expect(await keys.admit("k", "body-1", NO_LIMITS, 0)).toEqual({ kind: "go" });
    await keys.settle("k", { status: 200, body: "{}" });
    expect(await keys.admit("k", "body-2", NO_LIMITS, day - 1)).toEqual({ kind: "mismatch" });
    expect(await keys.admit("k", "body-2", NO_LIMITS, day + 1)).toEqual({ kind: "go" });
  });
});
