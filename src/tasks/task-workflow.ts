import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { parseDurations, scheduleAt } from "../lib/duration.ts";
import { taskError } from "../lib/errors.ts";
import { BUSY_WAIT_MS, coverStep, ingestStep, pollStep, submitStep } from "./vendor-steps.ts";
import { deliverWebhook, WEBHOOK_RETRY_MS } from "./webhook.ts";

export interface TaskParams {
  taskId: string;
}

/** The event a verified vendor callback sends; it only wakes the workflow, which then confirms with a poll. */
export const CALLBACK_EVENT = "vendor-callback";

const SUBMIT: WorkflowStepConfig = { retries: { limit: 6, delay: "2 seconds", backoff: "exponential" }, timeout: "2 minutes" };
const POLL: WorkflowStepConfig = { retries: { limit: 3, delay: "2 seconds", backoff: "exponential" }, timeout: "2 minutes" };
const INGEST: WorkflowStepConfig = { retries: { limit: 4, delay: "5 seconds", backoff: "exponential" }, timeout: "30 minutes" };
const WEBHOOK: WorkflowStepConfig = { retries: { limit: 2, delay: "1 second", backoff: "constant" }, timeout: "1 minute" };

/**
 * One instance per task (instance id = task id): submit, then wait for a callback or the next poll until the
 * vendor is done, then copy the video into R2 and finish the task. Every transition is reported to the TaskObject.
 */
export class TaskWorkflow extends WorkflowEntrypoint<Env, TaskParams> {
  async run(event: Readonly<WorkflowEvent<TaskParams>>, step: WorkflowStep): Promise<void> {
    const { taskId } = event.payload;
    await this.generate(taskId, step);
    await this.notify(taskId, step);
  }

  /** Drives the task to a final state (or finds it already there, after a restart). */
  private async generate(taskId: string, step: WorkflowStep): Promise<void> {
    const intervals = parseDurations(this.env.POLL_INTERVALS || "2s,5s,10s,30s");
    try {
      // Busy vendors (rate or concurrency limits) get a durable wait, not a failure.
      for (let i = 0; ; i++) {
        const submitted = await step.do(`submit-${i}`, SUBMIT, () => submitStep(this.env, taskId));
        if (submitted.kind === "ended") return;
        if (submitted.kind === "accepted") break;
        await step.sleep(`busy-${i}`, scheduleAt(BUSY_WAIT_MS, i));
      }
      for (let i = 0; ; i++) {
        try {
          await step.waitForEvent(`wake-${i}`, { type: CALLBACK_EVENT, timeout: scheduleAt(intervals, i) });
        } catch {
          // A timeout is the ordinary way to reach the next poll.
        }
        const polled = await step.do(`poll-${i}`, POLL, () => pollStep(this.env, taskId));
        if (polled.kind === "ended") return;
        if (polled.kind === "done") break;
      }
      const video = await step.do("ingest", INGEST, () => ingestStep(this.env, taskId));
      if (!video) return;
      const cover = await step.do("cover", () => coverStep(this.env, taskId));
      await step.do("finish", () => this.env.TASKS.getByName(taskId).succeeded(video, cover).then(() => undefined));
    } catch (err) {
      // Retries are exhausted or the step was not retryable: the task fails with the last reason, never hangs.
      const reason = (err as Error).message;
      await step.do("fail", () =>
        this.env.TASKS.getByName(taskId)
          .failed(taskError(502, "upstream_error", `The vendor kept failing: ${reason}`))
          .then(() => undefined),
      );
    }
  }

  /** The user's webhook, retried on a durable schedule spanning hours. */
  private async notify(taskId: string, step: WorkflowStep): Promise<void> {
    for (let i = 0; ; i++) {
      const result = await step.do(`webhook-${i}`, WEBHOOK, () => deliverWebhook(this.env, taskId, i));
      if (result !== "retry") return;
      await step.sleep(`webhook-wait-${i}`, WEBHOOK_RETRY_MS[i]!);
    }
  }
}
