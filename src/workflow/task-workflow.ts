import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { config } from "../config.ts";
import type { Env } from "../env.ts";
import { scheduleAt } from "../lib/duration.ts";
import { taskError, vendorTroubleOf } from "../lib/errors.ts";
import { BUSY_WAIT_MS, coverStep, type Ended, ingestStep, pollStep, submitStep } from "../tasks/steps.ts";
import { type TaskParams, WAKE_EVENT, type WakeReason } from "../tasks/workflow-control.ts";
import { deliverWebhook, WEBHOOK_RETRY_MS } from "./webhook.ts";

// Retry delays stay within the watchdog's allowance for a step (tasks/liveness.ts), so a retry is never mistaken for a stall.
const SUBMIT: WorkflowStepConfig = { retries: { limit: 5, delay: "1 second", backoff: "exponential" }, timeout: "2 minutes" };
const POLL: WorkflowStepConfig = { retries: { limit: 3, delay: "2 seconds", backoff: "exponential" }, timeout: "2 minutes" };
const INGEST: WorkflowStepConfig = { retries: { limit: 4, delay: "5 seconds", backoff: "exponential" }, timeout: "30 minutes" };
const WEBHOOK: WorkflowStepConfig = { retries: { limit: 2, delay: "1 second", backoff: "constant" }, timeout: "1 minute" };

/**
 * One instance per task (instance id = task id), which reads as the task's story: submit to the vendor (waiting
 * while it is busy), wait for its callback or the next poll until it is done, copy the video into storage, finish,
 * and tell the user's webhook. Every transition is made by the TaskObject; each step first reads it, so a step
 * replayed after a restart (or under a new name, after a deploy renamed it) finds what is already done.
 */
export class TaskWorkflow extends WorkflowEntrypoint<Env, TaskParams> {
  async run(event: Readonly<WorkflowEvent<TaskParams>>, step: WorkflowStep): Promise<void> {
    const { taskId } = event.payload;
    await this.generate(taskId, step);
    await this.notify(taskId, step);
  }

  /** Drives the task to a final state (or finds it already there, after a restart). */
  private async generate(taskId: string, step: WorkflowStep): Promise<void> {
    const intervals = config(this.env).pollIntervalsMs;
    try {
      for (let i = 1; ; i++) {
        const submitted = await step.do(`submit to the vendor (attempt ${i})`, SUBMIT, () => submitStep(this.env, taskId, scheduleAt(intervals, 0)));
        if (submitted.kind === "ended") return logEnded(taskId, submitted);
        if (submitted.kind === "accepted") break;
        // Busy vendors (rate or concurrency limits) get a durable wait, not a failure.
        await step.sleep(`wait while the vendor is busy (${i})`, scheduleAt(BUSY_WAIT_MS, i - 1));
      }
      for (let i = 1; ; i++) {
        let why = "on schedule";
        try {
          const event = await step.waitForEvent<{ reason: WakeReason }>(`wait for the vendor's callback or the next poll (${i})`, {
            type: WAKE_EVENT,
            timeout: scheduleAt(intervals, i - 1),
          });
          why = `woken by a ${event.payload.reason}`;
        } catch {
          // A timeout is the ordinary way to reach the next poll.
        }
        const polled = await step.do(`ask the vendor how the task is doing (${i}, ${why})`, POLL, () => pollStep(this.env, taskId, scheduleAt(intervals, i)));
        if (polled.kind === "ended") return logEnded(taskId, polled);
        if (polled.kind === "done") break;
      }
      const video = await step.do("copy the video into storage", INGEST, () => ingestStep(this.env, taskId));
      if (!video) return;
      const cover = await step.do("copy the cover image", () => coverStep(this.env, taskId));
      await step.do("mark the task succeeded", () => this.env.TASKS.getByName(taskId).succeeded(video, cover));
    } catch (err) {
      // Retries are exhausted or the step was not retryable: the task fails with the last reason, never hangs.
      const vendor = vendorTroubleOf(err);
      const error =
        vendor !== null
          ? taskError(502, "upstream_error", `The vendor kept failing: ${vendor}`)
          : taskError(500, "internal_error", `The gateway could not finish the task: ${(err as Error).message}`);
      await step.do("fail the task", () => this.env.TASKS.getByName(taskId).failed(error));
    }
  }

  /** The user's webhook, retried on a durable schedule spanning hours. */
  private async notify(taskId: string, step: WorkflowStep): Promise<void> {
    for (let i = 1; ; i++) {
      const result = await step.do(`deliver the webhook (attempt ${i})`, WEBHOOK, () => deliverWebhook(this.env, taskId, i - 1));
      if (result !== "retry") return;
      await step.sleep(`wait before the next webhook attempt (${i})`, WEBHOOK_RETRY_MS[i - 1]!);
    }
  }
}

/** The ways a task ends without a video, each named in the log (the TaskObject holds the error itself). */
function logEnded(taskId: string, ended: Ended): void {
  const why = {
    cancelled: "it was already final (cancelled by its owner)",
    past_deadline: "TASK_DEADLINE passed",
    refused: "the vendor refused or failed it",
    submission_unknown: "its submission's answer was lost and could not be looked up",
  }[ended.why];
  console.log(`task ${taskId} ended without a video: ${why}`);
}
