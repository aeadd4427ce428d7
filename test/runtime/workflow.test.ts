import { introspectWorkflowInstance } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { vendorTrouble } from "../../src/lib/errors.ts";
import { klingToken } from "../../src/providers/kling/auth.ts";
import { kling } from "../../src/providers/kling/index.ts";
import { KLING_MODELS } from "../../src/providers/kling/models.ts";
import { loadPlan } from "../../src/storage/requests.ts";
import { WAKE_EVENT } from "../../src/tasks/workflow-control.ts";
import { makeTask } from "./helpers.ts";

const step = {
  submit: (n: number) => `submit to the vendor (attempt ${n})`,
  poll: (n: number, why = "on schedule") => `ask the vendor how the task is doing (${n}, ${why})`,
};

const SIM = env.KLING_BASE_URL!;

/** A Kling task made directly on the TaskObject, as POST would make it, without starting its workflow. */
const makeKlingTask = (prompt: string, deadlineMs?: number) => makeTask(kling, KLING_MODELS[0]!.spec.id, prompt, deadlineMs);

const submissions = async (id: string): Promise<number> => {
  const stats = (await (await fetch(`${SIM}/__sim/stats`)).json()) as { kling: { byExternalId: Record<string, { calls: number }> } };
  return stats.kling.byExternalId[id]?.calls ?? 0;
};

describe("TaskWorkflow", () => {
  it("submits once, waits for the vendor, ingests and finishes the task", async () => {
    const id = await makeKlingTask("a plain run");
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    expect(await instance.waitForStepResult({ name: step.submit(1) })).toEqual({ kind: "accepted" });
    await instance.waitForStatus("complete");
    const task = (await env.TASKS.getByName(id).read())!;
    expect(task.state).toBe("succeeded");
    expect(task.result.video).toMatchObject({ key: `videos/${id}.mp4`, ...SAMPLE_VIDEO.ffprobe });
    expect(await submissions(id)).toBe(1);
  });

  it("waits durably while the vendor is busy, then submits", async () => {
    const id = await makeKlingTask(`[sim:busy] ${crypto.randomUUID()}`);
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify((m) => m.disableSleeps());
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    expect(await instance.waitForStepResult({ name: step.submit(1) })).toMatchObject({ kind: "busy" });
    expect(await instance.waitForStepResult({ name: step.submit(2) })).toEqual({ kind: "accepted" });
    await instance.waitForStatus("complete");
    expect((await env.TASKS.getByName(id).read())!.state).toBe("succeeded");
  });

  it("wakes on a callback event and confirms with a poll before the task moves", async () => {
    const id = await makeKlingTask("[sim:never] woken");
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify((m) => m.mockEvent({ type: WAKE_EVENT, payload: { reason: "callback" } }));
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    // The first poll is the one the event woke (were events ignored, the poll would run "on schedule" and this
    // step would never exist), but the vendor says it is still processing: nothing changes.
    expect(await instance.waitForStepResult({ name: step.poll(1, "woken by a callback") })).toEqual({ kind: "pending" });
    expect((await env.TASKS.getByName(id).read())!.state).toBe("submitted");
    await env.TASKS.getByName(id).failed({ status: 409, code: "cancelled", message: "test over", param: null, type: "invalid_request_error" });
  });

  it("fails the task with the last reason when the vendor keeps failing", async () => {
    const id = await makeKlingTask("transient forever");
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: step.submit(1) }, vendorTrouble("Kling answered HTTP 503"));
    });
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await instance.waitForStatus("complete");
    const task = (await env.TASKS.getByName(id).read())!;
    expect(task.state).toBe("failed");
    expect(task.error).toMatchObject({ code: "upstream_error", type: "upstream_error" });
    expect(task.error!.message).toContain("HTTP 503");
    expect(await submissions(id)).toBe(0);
  });

  it("reports the gateway's own failure (here: its stored vendor request is gone) as its own, not the vendor's", async () => {
    const id = await makeKlingTask("no plan");
    await env.VIDEOS.delete(`requests/${id}.json`);
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await instance.modify((m) => m.disableRetryDelays());
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await instance.waitForStatus("complete");
    const task = (await env.TASKS.getByName(id).read())!;
    expect(task.error).toMatchObject({ code: "internal_error", type: "server_error" });
    expect(task.error!.message).toMatch(/^The gateway could not finish the task: .*missing/);
    expect(await submissions(id)).toBe(0);
  });

  it("fails a task past TASK_DEADLINE with upstream_timeout and never submits it", async () => {
    const id = await makeKlingTask("too late", Date.now() - 1);
    await using instance = await introspectWorkflowInstance(env.TASK_WORKFLOW, id);
    await env.TASK_WORKFLOW.create({ id, params: { taskId: id } });
    await instance.waitForStatus("complete");
    expect((await env.TASKS.getByName(id).read())!.error).toMatchObject({ code: "upstream_timeout", type: "upstream_error" });
    expect(await submissions(id)).toBe(0);
  });

  it("after a lost submit answer, finds the earlier submission instead of paying twice", async () => {
    const id = await makeKlingTask("replayed");
    const stub = env.TASKS.getByName(id);
    // An earlier attempt reached Kling (with our task id as external_task_id) but its answer was lost.
    await stub.beginSubmit();
    const plan = await loadPlan(env.VIDEOS, id);
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
    expect(task).toMatchObject({ state: "succeeded", upstream: { id: klingId } });
    expect(await submissions(id)).toBe(1);
  });
});
