// Idempotency-Key on POST /v1/video/generations (API.md §4), inside the runtime against the shared simulator,
// whose stats count create calls per external_task_id (= our task id for Kling).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiJson, waitForTask } from "./helpers.ts";

type Key = "alpha" | "beta";
type Json = Record<string, any>;

/** The simulator the Worker talks to (KLING_BASE_URL points at it, wherever TEST_SIM_PORT moved it). */
const SIM = (env as unknown as { KLING_BASE_URL: string }).KLING_BASE_URL;

function post(json: unknown, idempotencyKey: string | null, key: Key = "alpha") {
  const headers: Record<string, string> = idempotencyKey === null ? {} : { "idempotency-key": idempotencyKey };
  return apiJson("/v1/video/generations", { method: "POST", key, json, headers });
}

/** Kling create calls the simulator saw carrying this external_task_id (our task id). */
async function vendorCalls(taskId: string): Promise<number> {
  const stats = (await (await fetch(`${SIM}/__sim/stats`)).json()) as Json;
  return stats.kling.byExternalId[taskId]?.calls ?? 0;
}

/** All task ids of a key, newest first. */
async function taskIds(key: Key): Promise<string[]> {
  const { status, body } = await apiJson("/v1/video/generations?limit=100", { key });
  expect(status).toBe(200);
  expect(body.has_more).toBe(false);
  return body.data.map((t: Json) => t.task_id);
}

const uniqueKey = (what: string) => `${what}-${crypto.randomUUID()}`;

describe("Idempotency-Key", () => {
  it("replays the first response for the same key and body, with no second task and no second vendor submission", async () => {
    const key = uniqueKey("same");
    const body = { model: "kling-v1", prompt: "a red balloon", duration: 5 };
    const before = await taskIds("alpha");

    const first = await post(body, key);
    expect(first.status).toBe(200);
    expect(first.response.headers.get("idempotent-replayed")).toBeNull();
    const id = first.body.task_id as string;
    expect(await vendorCalls(id)).toBe(1);

    const replay = await post(body, key);
    expect(replay.status).toBe(200);
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(replay.body.task_id).toBe(id);
    expect(replay.body).toEqual(first.body); // the first response, as it was

    // Still one task and one paid vendor task once it has finished, and after another replay of a finished task.
    expect((await waitForTask(id)).status).toBe("succeeded");
    const late = await post(body, key);
    expect(late.response.headers.get("idempotent-replayed")).toBe("true");
    expect(late.body.task_id).toBe(id);
    expect(await vendorCalls(id)).toBe(1);
    expect(await taskIds("alpha")).toEqual([id, ...before]);
  });

  it("answers 422 for the same key with a different body, creating nothing", async () => {
    const key = uniqueKey("diff");
    const first = await post({ model: "kling-v1", prompt: "a green kite" }, key);
    expect(first.status).toBe(200);
    const before = await taskIds("alpha");
    for (const other of [
      { model: "kling-v1", prompt: "a blue kite" },
      { model: "kling-v1", prompt: "a green kite", duration: 10 },
    ]) {
      const reused = await post(other, key);
      expect(reused.status).toBe(422);
      expect(Object.keys(reused.body).sort()).toEqual(["code", "message", "param", "type"]);
      expect(reused.body).toMatchObject({ type: "invalid_request_error", code: "idempotency_key_reused", param: "Idempotency-Key" });
    }
    expect(await taskIds("alpha")).toEqual(before);
    // The original body still replays.
    const replay = await post({ model: "kling-v1", prompt: "a green kite" }, key);
    expect(replay.body.task_id).toBe(first.body.task_id);
  });

  it("makes one task of two concurrent POSTs with the same key", async () => {
    const key = uniqueKey("race");
    const body = { model: "kling-v1", prompt: "[sim:never] two clicks on one button" };
    const before = await taskIds("alpha");
    const [a, b] = await Promise.all([post(body, key), post(body, key)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.task_id).toBe(b.body.task_id);
    const replayed = [a, b].map((r) => r.response.headers.get("idempotent-replayed"));
    expect(replayed.filter((h) => h === "true")).toHaveLength(1);
    const id = a.body.task_id as string;
    expect(await vendorCalls(id)).toBe(1);
    expect(await taskIds("alpha")).toEqual([id, ...before]);
    expect((await apiJson(`/v1/video/generations/${id}/cancel`, { method: "POST" })).status).toBe(200);
  });

  it("keeps keys per API key: beta using alpha's key gets its own task", async () => {
    const key = uniqueKey("shared");
    const body = { model: "kling-v1", prompt: "a tandem bicycle" };
    const alpha = await post(body, key, "alpha");
    const beta = await post(body, key, "beta");
    expect([alpha.status, beta.status]).toEqual([200, 200]);
    expect(beta.response.headers.get("idempotent-replayed")).toBeNull();
    expect(beta.body.task_id).not.toBe(alpha.body.task_id);
    expect(await vendorCalls(alpha.body.task_id)).toBe(1);
    expect(await vendorCalls(beta.body.task_id)).toBe(1);
    // Each key replays its own.
    expect((await post(body, key, "beta")).body.task_id).toBe(beta.body.task_id);
    expect((await post(body, key, "alpha")).body.task_id).toBe(alpha.body.task_id);
    // And a different body under the same key is still fine for the other API key.
    const betaOther = await post({ model: "kling-v1", prompt: "a unicycle" }, uniqueKey("other"), "beta");
    expect(betaOther.status).toBe(200);
  });

  it("replays a vendor's refusal too", async () => {
    const key = uniqueKey("refused");
    const body = { model: "kling-v1", prompt: "[sim:refuse] not allowed" };
    const first = await post(body, key);
    expect(first.status).toBe(400);
    expect(first.body.code).toBe("content_policy_violation");
    const replay = await post(body, key);
    expect(replay.status).toBe(400);
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
  });

  it("refuses a malformed Idempotency-Key with 400", async () => {
    for (const bad of ["x".repeat(256), "has space", "tab\tinside"]) {
      const answer = await post({ model: "kling-v1", prompt: "a cloud" }, bad);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: "invalid_value", param: "Idempotency-Key" });
    }
  });
});
