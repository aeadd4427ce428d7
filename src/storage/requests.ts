import type { SubmitPlan } from "../providers/types.ts";
import { requestKey } from "./layout.ts";

export async function savePlan(bucket: R2Bucket, taskId: string, plan: SubmitPlan): Promise<void> {
  await bucket.put(requestKey(taskId), JSON.stringify(plan), { httpMetadata: { contentType: "application/json" } });
}

export async function loadPlan(bucket: R2Bucket, taskId: string): Promise<SubmitPlan> {
  const object = await bucket.get(requestKey(taskId));
  if (!object) throw new Error(`the vendor request of task ${taskId} is missing from R2`);
  return object.json<SubmitPlan>();
}
