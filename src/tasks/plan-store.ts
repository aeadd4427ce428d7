import type { Env } from "../env.ts";
import type { SubmitPlan } from "../providers/types.ts";

// A vendor request can carry a 10 MiB image as base64, more than a Durable Object row holds, so it lives in R2.
const key = (taskId: string) => `requests/${taskId}.json`;

export async function savePlan(env: Env, taskId: string, plan: SubmitPlan): Promise<void> {
  await env.VIDEOS.put(key(taskId), JSON.stringify(plan), { httpMetadata: { contentType: "application/json" } });
}

export async function loadPlan(env: Env, taskId: string): Promise<SubmitPlan> {
  const object = await env.VIDEOS.get(key(taskId));
  if (!object) throw new Error(`the vendor request of task ${taskId} is missing`);
  return object.json<SubmitPlan>();
}
