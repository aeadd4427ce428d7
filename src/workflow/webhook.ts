import { Webhook } from "standardwebhooks";
import { config } from "../config.ts";
import type { Env } from "../env.ts";
import { presentTask } from "../present/task.ts";
import { isFinal } from "../tasks/states.ts";

/** Waits between webhook attempts: the schedule spans about a day, then delivery is given up. */
export const WEBHOOK_RETRY_MS = [5_000, 60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000];
const ATTEMPT_TIMEOUT_MS = 15_000;

type WebhookResult = "delivered" | "retry" | "settled";

/**
 * One delivery attempt of the final task object to the user's metadata.callback_url, signed per Standard
 * Webhooks. The message id is stable across attempts so receivers can de-duplicate; redirects are not followed.
 */
export async function deliverWebhook(env: Env, taskId: string, attempt: number): Promise<WebhookResult> {
  const stub = env.TASKS.getByName(taskId);
  const task = await stub.read();
  if (!task?.webhook.url || task.webhook.done || !isFinal(task.state)) return "settled";
  const lastAttempt = attempt >= WEBHOOK_RETRY_MS.length;
  const cfg = config(env);
  if (!cfg.webhookSecret) {
    await stub.noteWebhookAttempt({ at: Date.now(), status: null, error: "WEBHOOK_SECRET is not configured" }, true);
    return "settled";
  }
  const payload = JSON.stringify(await presentTask(cfg, task.origin, task));
  const id = `msg_${task.id}`;
  const at = new Date();
  let status: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(task.webhook.url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new Webhook(cfg.webhookSecret).sign(id, at, payload),
      },
      body: payload,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (err) {
    error = (err as Error).message;
  }
  const ok = status !== null && status >= 200 && status < 300;
  // One line an operator can grep, instead of a runtime stack trace.
  if (!ok) console.log(`webhook of task ${task.id} to ${new URL(task.webhook.url).host} failed (attempt ${attempt + 1}): ${error ?? `HTTP ${status}`}`);
  await stub.noteWebhookAttempt({ at: at.getTime(), status, error }, ok || lastAttempt, WEBHOOK_RETRY_MS[attempt] ?? 0);
  return ok ? "delivered" : lastAttempt ? "settled" : "retry";
}
