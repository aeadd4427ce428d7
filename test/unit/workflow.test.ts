import { env } from "cloudflare:workers";
import { introspectWorkflowInstance } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { kling } from "../../src/providers/kling/index.ts";
import { KLING_MODELS } from "../../src/providers/kling/models.ts";
import { klingToken } from "../../src/providers/kling/auth.ts";
import { loadPlan, savePlan } from "../../src/tasks/plan-store.ts";
import { TEST_API_KEYS } from "../support/test-env.ts";

const SIM = env.KLING_BASE_URL!;

/** A Kling task made directly on the TaskObject, as POST would make it, without starting its workflow. */
async function makeTask(prompt: string, deadlineMs = Date.now() + 120_000): Promise<string> {
  const id = `vgt_wf${crypto.randomUUID().replaceAll("-", "")}`;
  const model = KLING_MODELS[0]!;
  const plan = kling.plan({ model: model.id, prompt, metadata: {} }, model, { taskId: id, callbackUrl: "http://gateway.test/cb" });
  await savePlan(env, id, plan);
  await env.TASKS.getByName(id).create({
    id,
    owner: TEST_API_KEYS.alpha,
    model: model.id,
    vendor: "kling",
    created_at: Math.floor(Date.now() / 1000),
    origin: "http://gateway.test",
    deadline_ms: deadlineMs,
    user: null,
    requested_seed: null,
    webhook_url: null,
    upstream_ref: plan.ref,
  });
  return id;
}

const submissions = async (id: string): Promise<number> => {
  const stats = (await (await fetch(`${SIM}/__sim/stats`)).json()) as { kling: { byExternalId: Record<string, { calls: number }> } };
  return stats.kling.byExternalId[id]?.calls ?? 0;
};

describe("TaskWorkflow", () => {
  it("submits once, waits for the vendor, ingests and finishes the task", async () => {
    const id = await makeTask("a plain run");
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    expect(await instance.waitForStepResult({ name: "submit-0" })).toEqual({ kind: "accepted" });
    await instance.waitForStatus("complete");
    const task = (await env.TASKS.getByName(id).read())!;
    expect(task.state).toBe("succeeded");
    expect(task.video).toMatchObject({ key: `videos/${id}.mp4`, duration: 5.042, fps: 24, width: 1280, height: 720 });
    expect(await submissions(id)).toBe(1);
  });

  it("waits durably while the vendor is busy, then submits", async () => {
    const id = await makeTask(`[sim:busy] ${crypto.randomUUID()}`);
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify((m) => m.disableSleeps());
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    expect(await instance.waitForStepResult({ name: "submit-0" })).toMatchObject({ kind: "busy" });
    expect(await instance.waitForStepResult({ name: "submit-1" })).toEqual({ kind: "accepted" });
    await instance.waitForStatus("complete");
    expect((await env.TASKS.getByName(id).read())!.state).toBe("succeeded");
  });

  it("wakes on a callback event and confirms with a poll before the task moves", async () => {
    const id = await makeTask("[sim:never] woken");
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify((m) => m.mockEvent({ type: "vendor-callback", payload: { status: "succeed" } }));
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    // The event ends the first wait at once, but the vendor says it is still processing: nothing changes.
    expect(await instance.waitForStepResult({ name: "poll-0" })).toEqual({ kind: "pending" });
    expect((await env.TASKS.getByName(id).read())!.state).toBe("submitted");
    await env.TASKS.getByName(id).failed({ status: 409, code: "cancelled", message: "test over", param: null, type: "invalid_request_error" });
  });

  it("fails the task with the last reason when the vendor keeps failing", async () => {
    const id = await makeTask("transient forever");
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "submit-0" }, new Error("Kling answered HTTP 503"));
    });
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await instance.waitForStatus("complete");
    const task = (await env.TASKS.getByName(id).read())!;
    expect(task.state).toBe("failed");
    expect(task.error).toMatchObject({ code: "upstream_error", type: "upstream_error" });
    expect(task.error!.message).toContain("HTTP 503");
    expect(await submissions(id)).toBe(0);
  });

  it("fails a task past TASK_DEADLINE with upstream_timeout and never submits it", async () => {
    const id = await makeTask("too late", Date.now() - 1);
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await instance.waitForStatus("complete");
    expect((await env.TASKS.getByName(id).read())!.error).toMatchObject({ code: "upstream_timeout", type: "upstream_error" });
    expect(await submissions(id)).toBe(0);
  });

  it("after a lost submit answer, finds the earlier submission instead of paying twice", async () => {
    const id = await makeTask("replayed");
    const stub = env.TASKS.getByName(id);
    // An earlier attempt reached Kling (with our task id as external_task_id) but its answer was lost.
    await stub.beginSubmit();
    const plan = await loadPlan(env, id);
    const token = await klingToken(env.KLING_ACCESS_KEY!, env.KLING_SECRET_KEY!);
    const earlier = await fetch(`${SIM}${plan.call.path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(plan.call.body),
    });
    const klingId = ((await earlier.json()) as { data: { task_id: string } }).data.task_id;

    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await instance.waitForStatus("complete");
    const task = (await stub.read())!;
    expect(task).toMatchObject({ state: "succeeded", upstream_id: klingId });
    expect(await submissions(id)).toBe(1);
  });
});
