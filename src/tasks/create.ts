import { config, signingSecret } from "../config.ts";
import type { Env } from "../env.ts";
import { priceOf } from "../keys/prices.ts";
import { InsufficientCredits } from "../keys/wallet.ts";
import { toHex } from "../lib/crypto.ts";
import { callbackToken } from "../lib/signed-urls.ts";
import type { BoundModel } from "../providers/registry.ts";
import type { GenerationInput } from "../providers/types.ts";
import { savePlan } from "../storage/requests.ts";
import type { TaskRecord } from "./task-record.ts";
import { startWorkflow } from "./workflow-control.ts";

/** How long POST waits for the vendor to accept, so a refusal comes back as the POST's own error. */
const ACCEPT_WAIT_MS = 5_000;

/** A generation request, checked against everything the gateway knows without asking the vendor. */
export interface TaskRequest {
  model: BoundModel;
  input: GenerationInput;
  /** The user's own webhook (metadata.callback_url), never sent to a vendor. */
  webhookUrl: string | null;
  requestedSeed: number | null;
  user: string | null;
}

export function newTaskId(): string {
  return `vgt_${Date.now().toString(36)}${toHex(crypto.getRandomValues(new Uint8Array(10)))}`;
}

/** Times one stage of a creation (the API reports them as Server-Timing); by default, not at all. */
export type StageTimer = <T>(stage: string, work: () => Promise<T>) => Promise<T>;

/**
 * Creates task `id` and its workflow, then waits (held by the TaskObject) for the vendor's acceptance. Idempotent
 * for one id, so a retry that resumes a POST which died part-way finishes the same task. `plan` may throw an
 * InputError before anything is stored. Once the TaskObject exists the task runs even if what follows fails: its
 * watchdog starts the workflow.
 */
export async function createTask(
  env: Env,
  owner: string,
  origin: string,
  request: TaskRequest,
  id: string,
  time: StageTimer = (_, work) => work(),
): Promise<TaskRecord> {
  const cfg = config(env);
  const { provider, spec } = request.model;
  const callbackUrl = `${origin}/v1/callbacks/${provider.vendor}/${id}?token=${await callbackToken(signingSecret(cfg), id)}`;
  const now = Date.now();
  const plan = request.model.plan(request.input, { taskId: id, callbackUrl, createdMs: now });
  const price = priceOf(cfg, spec, plan.output);
  // Reserved and indexed first, before anything can reach a vendor: a task is paid for, listed and counted from the
  // moment it can exist. A short balance leaves nothing behind.
  const bill = { keyId: owner, model: spec.id, resolution: plan.output.resolution, seconds: plan.output.seconds, price };
  const reservation = await time("reserve", async () => env.KEYS.getByName(owner).addTask(id, now, bill));
  if (!reservation.ok) throw new InsufficientCredits(reservation.price, reservation.balance, reservation.reserved);
  await time("plan", () => savePlan(env.VIDEOS, id, plan));
  const stub = env.TASKS.getByName(id);
  const created = await time("task", async () =>
    stub.create({
      id,
      owner,
      model: spec.id,
      vendor: provider.vendor,
      created_at: Math.floor(now / 1000),
      origin,
      deadline_ms: now + cfg.taskDeadlineMs,
      user: request.user,
      requested_seed: request.requestedSeed,
      price,
      webhook_url: request.webhookUrl,
      upstream_ref: plan.ref,
      request: { prompt: request.input.prompt, duration: request.input.duration ?? spec.default_duration, size: sizeText(request.input.size) },
    }),
  );
  try {
    await time("workflow", () => startWorkflow(env, id));
    return (await time("accept", async () => stub.waitFor("accepted", ACCEPT_WAIT_MS))) ?? created;
  } catch (err) {
    // The task exists and its watchdog will start the workflow; the POST answers with the task as it is.
    console.error(`task ${id}: starting its workflow or waiting for the vendor failed; the watchdog takes over: ${(err as Error).message}`);
    return (await stub.read().catch(() => null)) ?? created;
  }
}

function sizeText(size: { width: number; height: number } | undefined): string | null {
  return size ? `${size.width}x${size.height}` : null;
}
