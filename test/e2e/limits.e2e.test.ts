import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2E, startE2E } from "./stack.ts";

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ port: 18871, simPort: 18872 }, { vars: { RATE_LIMIT_PER_MINUTE: "3", MAX_CONCURRENT_TASKS: "2" } });
}, 120_000);
afterAll(() => e2e?.close());

const submit = (prompt: string) => e2e.api("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt } });

describe("per-key limits", () => {
  it("answers 429 with Retry-After beyond the concurrency limit, then beyond the rate limit", async () => {
    const first = await submit("[sim:never] one");
    expect((await submit("[sim:never] two")).status).toBe(200);

    const crowded = await submit("[sim:never] three");
    expect(crowded.status).toBe(429);
    expect(crowded.body).toEqual({ code: "concurrency_limit_exceeded", message: expect.any(String), param: null, type: "rate_limit_error" });
    expect(Number(crowded.response.headers.get("retry-after"))).toBeGreaterThan(0);

    // A finished (here: cancelled) task frees its place.
    await e2e.api(`/v1/video/generations/${first.body.task_id}/cancel`, { method: "POST" });
    expect((await submit("[sim:never] three again")).status).toBe(200);

    // Three creations within the minute: the fourth is over the rate (checked before concurrency).
    const hurried = await submit("four");
    expect(hurried.status).toBe(429);
    expect(hurried.body.code).toBe("rate_limit_exceeded");
    const retryAfter = Number(hurried.response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});
