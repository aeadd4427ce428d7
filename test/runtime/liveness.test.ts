// Never pay twice, never stuck: what a POST leaves behind when part of it fails, a cancel racing a submission, a
// stalled download, and a deadline that passes while the vendor finishes. Real Durable Objects, Workflows and R2;
// the failures are injected by wrapping the bindings the Worker is handed.

import { introspectWorkflowInstance } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import type { Env } from "../../src/env.ts";
import { klingToken } from "../../src/providers/kling/auth.ts";
import { kling } from "../../src/providers/kling/index.ts";
import { KLING_MODELS } from "../../src/providers/kling/models.ts";
import { vidu } from "../../src/providers/vidu/index.ts";
import { VIDU_MODELS } from "../../src/providers/vidu/models.ts";
import { loadPlan } from "../../src/storage/requests.ts";
import { cancelTask } from "../../src/tasks/cancel.ts";
import { ingestStep, pollStep } from "../../src/tasks/steps.ts";
import { TEST_API_KEYS } from "../support/test-env.ts";
import { until } from "../support/until.ts";
import { apiJson, makeTask, waitForTask } from "./helpers.ts";

const SIM = env.KLING_BASE_URL!;
const sim = async (path: string, init?: RequestInit) => (await fetch(`${SIM}${path}`, init)).json() as Promise<any>;
const createsFor = async (vendor: string, prompt: string) => ((await sim("/__sim/stats"))[vendor].byPrompt?.[prompt]?.calls ?? 0) as number;

/** A binding whose stubs fail one method, the rest passing through to the real Durable Object. */
function failing<T extends object>(namespace: { getByName(name: string): unknown }, method: string): T {
  return {
    getByName: (name: string) => {
      const stub = namespace.getByName(name) as any;
      return new Proxy(stub, {
        get: (target, prop) =>
          prop === method
            ? async () => {
                throw new Error(`${method} failed (injected)`);
              }
            : (...args: unknown[]) => target[prop](...args),
      });
    },
  } as T;
}

/** POSTs the Kling example straight to the app with some bindings replaced. */
async function post(bindings: Partial<Env>, prompt: string, idempotencyKey?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_API_KEYS.alpha}`, "content-type": "application/json" };
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const response = await app.request(
    "/v1/video/generations",
    { method: "POST", headers, body: JSON.stringify({ model: "kling-v1", prompt }) },
    { ...env, ...bindings },
  );
  return { status: response.status, body: (await response.json()) as any };
}

describe("a POST that fails part-way", () => {
  it("answers with the task once it exists, even when its workflow could not be started: the watchdog starts it", async () => {
    const prompt = `workflow start fails ${crypto.randomUUID()}`;
    const broken = { create: async () => Promise.reject(new Error("create failed (injected)")), get: (id: string) => env.TASK_WORKFLOW.get(id) };
    const created = await post({ TASK_WORKFLOW: broken as unknown as Env["TASK_WORKFLOW"] }, prompt, crypto.randomUUID());
    expect([created.status, created.body.status]).toEqual([200, "processing"]);
    const task = await waitForTask(created.body.task_id, 45);
    expect(task.status).toBe("succeeded");
    expect(await createsFor("kling", prompt)).toBe(1);
  }, 60_000);

  it("answers with the task when waiting for the vendor's acceptance fails", async () => {
    const prompt = `wait fails ${crypto.randomUUID()}`;
    const created = await post({ TASKS: failing(env.TASKS, "waitFor") }, prompt);
    expect([created.status, created.body.status]).toEqual([200, "processing"]);
    expect((await waitForTask(created.body.task_id)).status).toBe("succeeded");
    expect(await createsFor("kling", prompt)).toBe(1);
  });

  it("leaves nothing that can reach a vendor when it fails before the task exists, and frees the Idempotency-Key", async () => {
    const prompt = `index fails ${crypto.randomUUID()}`;
    const key = crypto.randomUUID();
    const failed = await post({ KEYS: failing(env.KEYS, "addTask") }, prompt, key);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ code: "internal_error", type: "server_error" });
    // The retry with the same key creates the one and only task.
    const retried = await post({}, prompt, key);
    expect([retried.status, retried.body.status]).toEqual([200, "processing"]);
    expect((await waitForTask(retried.body.task_id)).status).toBe("succeeded");
    expect(await createsFor("kling", prompt)).toBe(1);
  });

  it("answers with its task when recording the answer for the Idempotency-Key fails", async () => {
    const prompt = `settle fails ${crypto.randomUUID()}`;
    const created = await post({ KEYS: failing(env.KEYS, "settle") }, prompt, crypto.randomUUID());
    expect([created.status, created.body.status]).toEqual([200, "processing"]);
  });

  it("lets a retry carry on with the task of a POST that died between admission and its answer", async () => {
    const prompt = `died ${crypto.randomUUID()}`;
    const key = crypto.randomUUID();
    const body = JSON.stringify({ model: "kling-v1", prompt });
    const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const ownerKeyId = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(TEST_API_KEYS.alpha)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    // The first POST was admitted a minute ago under this task id, then its Worker died.
    const chosen = `vgt_died${crypto.randomUUID().replaceAll("-", "")}`;
    await env.KEYS.getByName(ownerKeyId).admit(key, sha, { perMinute: 0, concurrent: 0 }, chosen, Date.now() - 60_000);
    const retried = await apiJson("/v1/video/generations", { method: "POST", body, headers: { "content-type": "application/json", "idempotency-key": key } });
    expect([retried.status, retried.body.task_id]).toEqual([200, chosen]);
    expect((await waitForTask(chosen)).status).toBe("succeeded");
    expect(await createsFor("kling", prompt)).toBe(1);
  });
});

describe("a cancel during a submission", () => {
  it("still cancels the vendor's task once its id is known", async () => {
    const prompt = `cancel mid-submit ${crypto.randomUUID()}`;
    const id = await makeTask(vidu, VIDU_MODELS[0]!.spec.id, prompt);
    await sim("/__sim/faults", { method: "POST", body: JSON.stringify({ op: "create", vendor: "vidu", delayMs: 1500 }) });
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await until("the submission to reach the vendor", async () => (await createsFor("vidu", prompt)) > 0, 10_000);
    expect(await cancelTask(env, id)).not.toBeNull(); // the submission is still waiting for Vidu's answer
    await instance.waitForStatus("complete");
    const task = (await env.TASKS.getByName(id).read())!;
    expect(task).toMatchObject({ state: "failed", error: { code: "cancelled" } });
    expect(task.upstream.id).toBeTruthy();
    const vendorTask = await sim(`/__sim/tasks/${task.upstream.id}`);
    expect(vendorTask.failure?.code ?? vendorTask.state).toMatch(/UserCancelled|failed/);
  });
});

/** Sends a task's stored Kling request to the simulator ourselves (as a workflow would) and records the acceptance. */
async function submittedAtKling(id: string, finished: boolean): Promise<string> {
  const plan = await loadPlan(env.VIDEOS, id);
  const token = await klingToken(env.KLING_ACCESS_KEY!, env.KLING_SECRET_KEY!);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await (await fetch(`${SIM}${plan.call.path}`, { method: "POST", headers, body: JSON.stringify(plan.call.body) })).json();
  const klingId = (created as { data: { task_id: string } }).data.task_id;
  if (finished) await sim(`/__sim/tasks/${klingId}/complete`, { method: "POST", body: JSON.stringify({ outcome: "succeeded" }) });
  await env.TASKS.getByName(id).submitted(klingId, null, 1_000);
  return klingId;
}

describe("deadlines and stalls", () => {
  it("asks the vendor once more past TASK_DEADLINE: a video it finished is still delivered", async () => {
    const id = await makeTask(kling, KLING_MODELS[0]!.spec.id, `late but done ${crypto.randomUUID()}`, Date.now() - 1);
    await submittedAtKling(id, true);
    expect(await pollStep(env, id, 1_000)).toEqual({ kind: "done" });
    expect((await env.TASKS.getByName(id).read())!.state).toBe("ingesting");
  });

  it("fails a task the vendor has not finished once past TASK_DEADLINE, after asking", async () => {
    const id = await makeTask(kling, KLING_MODELS[0]!.spec.id, `[sim:never] late ${crypto.randomUUID()}`, Date.now() - 1);
    await submittedAtKling(id, false);
    expect(await pollStep(env, id, 1_000)).toEqual({ kind: "ended", why: "past_deadline" });
    expect((await env.TASKS.getByName(id).read())!.error).toMatchObject({ code: "upstream_timeout" });
  });

  it("aborts a download that stalls instead of waiting for it forever", async () => {
    const id = await makeTask(kling, KLING_MODELS[0]!.spec.id, `stall ${crypto.randomUUID()}`);
    const klingId = await submittedAtKling(id, true);
    const stub = env.TASKS.getByName(id);
    await stub.ingesting(`${SIM}/files/kling/${klingId}.mp4`, null, null);
    await sim("/__sim/faults", { method: "POST", body: JSON.stringify({ op: "download", vendor: "kling", delayMs: 5_000 }) });
    const started = Date.now();
    await expect(ingestStep(env, id, 300)).rejects.toThrow(/stalled/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("holds TASK_DEADLINE while copying too: past it (and its grace), the task fails instead of retrying forever", async () => {
    const id = await makeTask(kling, KLING_MODELS[0]!.spec.id, `late copy ${crypto.randomUUID()}`, Date.now() - 31 * 60_000);
    const stub = env.TASKS.getByName(id);
    await stub.submitted("k-late", null, 1_000);
    await stub.ingesting(`${SIM}/files/kling/none.mp4`, null, null);
    expect(await ingestStep(env, id)).toBeNull();
    expect((await stub.read())!.error).toMatchObject({ code: "upstream_timeout", message: expect.stringMatching(/could not be copied/) });
  });
});
