import { config } from "../config.ts";
import type { Env } from "../env.ts";
import { taskError, vendorTrouble } from "../lib/errors.ts";
import { exchange } from "../providers/client.ts";
import { providerFor } from "../providers/registry.ts";
import type { AnyAccount, Outcome } from "../providers/types.ts";
import { IngestError, ingestVideo, type StoredVideo, storedVideo } from "../storage/ingest.ts";
import { coverKey, videoKey } from "../storage/layout.ts";
import { loadPlan } from "../storage/requests.ts";
import { accountGone, accountOrder, accountRefusal, reportAccount, taskAccount, withoutCredentials } from "./accounts.ts";
import { INGEST_BEAT_MS, INGEST_GRACE_MS, INGEST_STALL_MS } from "./liveness.ts";
import { isFinal } from "./states.ts";
import type { TaskRecord } from "./task-record.ts";

/**
 * The workflow's steps. Each is idempotent: it first reads the TaskObject, so a replayed or restarted step
 * never pays the vendor twice and never moves a finished task. Each returns only small JSON.
 */

/**
 * Why a task ended before its video: `cancelled` (it was already final when the step ran: cancelled by its owner,
 * or ended elsewhere), `past_deadline` (TASK_DEADLINE), `refused` (the vendor's terminal answer), and
 * `submission_unknown` (a submission whose answer was lost, which cannot be repeated without risking a second bill).
 */
export type Ended = { kind: "ended"; why: "cancelled" | "past_deadline" | "refused" | "submission_unknown" };

export type SubmitResult = { kind: "accepted" } | { kind: "busy"; message: string } | Ended;
export type PollResult = { kind: "pending" } | { kind: "done" } | Ended;

/** Durable waits between submit attempts while the vendor is busy (rate or concurrency limit), the last repeating. */
export const BUSY_WAIT_MS = [2_000, 5_000, 10_000, 30_000, 60_000];

/** Consecutive transient poll errors (network, 5xx, the vendors' internal-error codes) before a task fails. */
const MAX_POLL_ERRORS = 6;

const ended = (why: Ended["why"]): Ended => ({ kind: "ended", why });
const task = (env: Env, id: string) => env.TASKS.getByName(id);

async function liveTask(env: Env, id: string): Promise<TaskRecord | null> {
  const record = await task(env, id).read();
  return record && !isFinal(record.state) ? record : null;
}

/** Fails the task as `upstream_timeout` once `graceMs` past its TASK_DEADLINE; true when it did. */
async function failIfLate(env: Env, record: TaskRecord, graceMs = 0): Promise<boolean> {
  if (Date.now() <= record.deadline_ms + graceMs) return false;
  const what = record.state === "ingesting" ? "The vendor's video could not be copied" : "The vendor did not finish the task";
  await task(env, record.id).failed(
    taskError(504, "upstream_timeout", `${what} before the gateway's deadline (TASK_DEADLINE); last vendor status: ${record.upstream.status ?? "none"}.`),
  );
  return true;
}

/** A vendor task made for a task that was cancelled meanwhile: cancelled at the vendor too (with its account), where the vendor can. */
async function cancelUpstream(env: Env, vendor: TaskRecord["vendor"], account: AnyAccount, upstreamId: string): Promise<void> {
  const provider = providerFor(vendor);
  if (provider.cancelCall) {
    await exchange(provider, config(env), account, provider.cancelCall(upstreamId), () => ({ kind: "pending", vendorStatus: "cancelling", running: true }));
  }
}

function unexpected(outcome: Outcome): never {
  throw new Error(`unexpected vendor outcome "${outcome.kind}"`);
}

/** An account's refusal of this task's submission, kept to answer for the task if every account refuses. */
interface Refused {
  account: string;
  outcome: Extract<Outcome, { kind: "busy" | "failed" }>;
}

/**
 * Submits once, trying the vendor's accounts in turn (src/tasks/accounts.ts chooses the order): an account that
 * refuses for a reason of its own (busy, credit, key, suspended) passes the task to the next at once. Only when every
 * account refused does the task wait (some were busy) or fail (with the last reason). Transient answers throw so the
 * step retries with backoff; an answer in doubt keeps the task on its account, whose lookup settles it next time.
 * `firstWaitMs` is the workflow's wait before its first poll, so the watchdog knows when to hear from it again.
 */
export async function submitStep(env: Env, id: string, firstWaitMs: number): Promise<SubmitResult> {
  const record = await liveTask(env, id);
  if (!record) return ended("cancelled");
  if (record.upstream.id) return { kind: "accepted" };
  if (await failIfLate(env, record)) return ended("past_deadline");
  const cfg = config(env);
  const provider = providerFor(record.vendor);
  const stub = task(env, id);
  // Loaded before the attempt is opened: failing to read our own copy must not leave a submission in doubt.
  const plan = await loadPlan(env.VIDEOS, id);

  let order: AnyAccount[] | null = null;
  const refused: Refused[] = [];
  const next = async (): Promise<AnyAccount | null> => {
    order ??= await accountOrder(env, cfg, record.vendor);
    return order.find((a) => !refused.some((r) => r.account === a.name)) ?? null;
  };
  // An attempt left open is settled with its own account before any other is tried (beginSubmit says so atomically).
  let account = record.submit.open ? taskAccount(cfg, record.vendor, record.upstream.account) : await next();
  while (account) {
    const opened = await stub.beginSubmit(account.name);
    if (opened.open) {
      const owner = taskAccount(cfg, record.vendor, opened.account);
      if (!owner) {
        await stub.failed(accountGone(record));
        return ended("submission_unknown");
      }
      account = owner;
      // An earlier attempt may have reached the vendor and lost its answer: find that task instead of paying twice,
      // or, with a vendor that cannot look a task up by our id, give up rather than risk a second paid task.
      const lookup = provider.lookup?.possible?.(record.upstream.ref) === false ? undefined : provider.lookup;
      if (!lookup) {
        await stub.failed(
          taskError(
            502,
            "upstream_submission_unknown",
            `${provider.name} never answered the submission, and submitting again could create (and bill) a second task; submit a new request if no video appears in your ${provider.name} account.`,
          ),
        );
        return ended("submission_unknown");
      }
      const found = await exchange(provider, cfg, owner, lookup.call(id, record.upstream.ref), (reply) => lookup.interpret(reply, id));
      if (found.kind === "accepted") return accepted(env, id, record, owner, found.upstreamId, found.seed ?? null, firstWaitMs);
      if (found.kind !== "absent") throw vendorTrouble(`could not check for an earlier submission: ${"message" in found ? found.message : found.kind}`);
    }

    const outcome = await exchange(provider, cfg, account, plan.call, provider.interpretSubmit);
    const refusal = accountRefusal(outcome);
    if (refusal && (outcome.kind === "busy" || outcome.kind === "failed")) {
      // Refused for a reason of this account, which created nothing: the next account may take the task at once.
      await stub.closeSubmit();
      await reportAccount(env, cfg, record.vendor, account, refusal);
      const scrub = (text: string) => withoutCredentials(text, account!);
      const clean =
        outcome.kind === "busy"
          ? { ...outcome, message: scrub(outcome.message) }
          : { ...outcome, error: { ...outcome.error, message: scrub(outcome.error.message) } };
      refused.push({ account: account.name, outcome: clean });
      account = await next();
      continue;
    }
    switch (outcome.kind) {
      case "accepted":
        return accepted(env, id, record, account, outcome.upstreamId, outcome.seed ?? null, firstWaitMs);
      case "failed":
        await stub.closeSubmit();
        await stub.failed(outcome.error);
        return ended("refused");
      case "transient":
        // Only the vendor's own word that nothing was created closes the attempt; otherwise the next one looks first.
        if (outcome.safeToRetry) await stub.closeSubmit();
        throw vendorTrouble(outcome.message);
      default:
        return unexpected(outcome);
    }
  }
  if (refused.length === 0) {
    // No account to ask: the task's own account, or every account of the vendor, was removed from the configuration.
    await stub.failed(accountGone(record));
    return ended("refused");
  }
  return everyAccountRefused(env, id, provider.name, refused);
}

/** Every account refused: the task waits while any of them is only busy, and otherwise fails with the last reason. */
async function everyAccountRefused(env: Env, id: string, vendorName: string, refused: Refused[]): Promise<SubmitResult> {
  const stub = task(env, id);
  const busy = refused.find((r) => r.outcome.kind === "busy");
  if (busy?.outcome.kind === "busy") {
    await stub.noteVendorStatus("busy", Math.max(...BUSY_WAIT_MS));
    return { kind: "busy", message: busy.outcome.message };
  }
  const last = refused.at(-1)!.outcome;
  if (last.kind !== "failed") return unexpected(last);
  const error =
    refused.length > 1
      ? {
          ...last.error,
          message: `${last.error.message} Every ${vendorName} account refused the task: ${refused.map((r) => `${r.account} (${r.outcome.kind === "failed" ? r.outcome.error.code : "busy"})`).join(", ")}.`,
        }
      : last.error;
  await stub.failed(error);
  return ended("refused");
}

/** Records the vendor's acceptance; a task cancelled during the submission has its new vendor task cancelled too. */
async function accepted(
  env: Env,
  id: string,
  record: TaskRecord,
  account: AnyAccount,
  upstreamId: string,
  seed: number | null,
  firstWaitMs: number,
): Promise<SubmitResult> {
  const live = await task(env, id).submitted(upstreamId, seed, firstWaitMs);
  await reportAccount(env, config(env), record.vendor, account, { kind: "accepted" });
  if (live) return { kind: "accepted" };
  await cancelUpstream(env, record.vendor, account, upstreamId);
  return ended("cancelled");
}

/**
 * Asks the vendor once how the task is doing. Busy and transient answers just mean "ask again later" (in
 * `nextWaitMs`). Past TASK_DEADLINE the vendor is still asked once: a video it finished is delivered.
 */
export async function pollStep(env: Env, id: string, nextWaitMs: number): Promise<PollResult> {
  const record = await liveTask(env, id);
  if (!record) return ended("cancelled");
  if (record.state === "ingesting") return { kind: "done" };
  const provider = providerFor(record.vendor);
  const cfg = config(env);
  const stub = task(env, id);
  const account = taskAccount(cfg, record.vendor, record.upstream.account);
  if (!account) {
    await stub.failed(accountGone(record));
    return ended("refused");
  }
  const outcome = await exchange(provider, cfg, account, provider.pollCall(record.upstream.id!, record.upstream.ref), provider.interpretPoll);
  const unfinished = outcome.kind === "pending" || outcome.kind === "busy" || outcome.kind === "transient";
  if (unfinished && (await failIfLate(env, record))) return ended("past_deadline");
  switch (outcome.kind) {
    case "pending":
      await stub.noteVendorStatus(outcome.vendorStatus, nextWaitMs, outcome.running);
      return { kind: "pending" };
    case "busy":
      await stub.expectNext(nextWaitMs);
      return { kind: "pending" };
    case "transient":
      // A vendor that keeps erroring on the same task is given up on after a few polls, not at the deadline.
      if ((await stub.notePollError(nextWaitMs)) < MAX_POLL_ERRORS) return { kind: "pending" };
      await stub.failed(taskError(502, "upstream_error", `${provider.name} kept failing to report the task: ${outcome.message}`));
      return ended("refused");
    case "succeeded":
      await stub.ingesting(outcome.videoUrl, outcome.seed ?? null, outcome.coverUrl ?? null);
      return { kind: "done" };
    case "failed":
      await stub.failed(outcome.error);
      return ended("refused");
    default:
      return unexpected(outcome);
  }
}

const EXPIRED = new Set([401, 403, 404, 410]);

/**
 * Streams the vendor's video into R2 (constant memory) and reads its real metadata from the MP4 itself. A download
 * that stalls (no part for INGEST_STALL_MS) is aborted and retried, and TASK_DEADLINE (plus INGEST_GRACE_MS) ends
 * the retries: every wait has an end.
 */
export async function ingestStep(env: Env, id: string, stallMs = INGEST_STALL_MS): Promise<StoredVideo | null> {
  const key = videoKey(id);
  const done = await storedVideo(env.VIDEOS, key);
  if (done) return done;
  const record = await liveTask(env, id);
  if (!record?.result.video_url) return null;
  if (await failIfLate(env, record, INGEST_GRACE_MS)) return null;
  const stall = stallGuard(stallMs);
  // Beats while the step lives, so the watchdog tells a slow download (alive) from a dead runtime within seconds.
  const beat = setInterval(
    () =>
      void task(env, id)
        .heartbeat()
        .catch(() => {}),
    INGEST_BEAT_MS,
  );
  try {
    const response = await fetch(record.result.video_url, { headers: { "accept-encoding": "identity" }, signal: stall.signal }).catch((err: Error) => {
      throw vendorTrouble(`downloading the video from the vendor failed: ${err.message}`);
    });
    if (!response.ok) {
      await response.body?.cancel();
      if (EXPIRED.has(response.status)) await refreshVideoUrl(env, record);
      throw vendorTrouble(`downloading the video from the vendor failed with HTTP ${response.status}`);
    }
    return await ingestVideo(env.VIDEOS, key, response, { onBytes: stall.alive });
  } catch (err) {
    if (stall.signal.aborted) throw vendorTrouble(`the vendor's download stalled: no data for ${stallMs / 1000} s`);
    if (!(err instanceof IngestError)) throw err;
    if (err.retryable) throw vendorTrouble(err.message);
    // Junk (an HTML error page, not an MP4) will not improve on retry and must never become a video.
    await task(env, id).failed(taskError(502, "invalid_video", `The vendor's file is not a usable MP4: ${err.message}`));
    return null;
  } finally {
    stall.stop();
    clearInterval(beat);
  }
}

/** An abort signal that fires once `ms` pass without `alive()` being called. */
function stallGuard(ms: number): { signal: AbortSignal; alive(): void; stop(): void } {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), ms);
  return {
    signal: controller.signal,
    alive() {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), ms);
    },
    stop: () => clearTimeout(timer),
  };
}

const MAX_COVER_BYTES = 10 * 2 ** 20;
const COVER_TIMEOUT_MS = 30_000;

/**
 * Copies the vendor's cover image (Vidu gives one) next to the video. Best effort: a missing or odd cover
 * never fails a task whose video is fine. Returns the R2 key, or null.
 */
export async function coverStep(env: Env, id: string): Promise<string | null> {
  const record = await liveTask(env, id);
  if (!record?.result.cover_url) return null;
  const key = coverKey(id);
  if (await env.VIDEOS.head(key)) return key;
  try {
    const response = await fetch(record.result.cover_url, { signal: AbortSignal.timeout(COVER_TIMEOUT_MS) });
    const type = response.headers.get("content-type") ?? "";
    const length = Number(response.headers.get("content-length"));
    if (!response.ok || !type.startsWith("image/") || !(length > 0 && length <= MAX_COVER_BYTES)) {
      await response.body?.cancel();
      return null;
    }
    await env.VIDEOS.put(key, response.body, { httpMetadata: { contentType: type } });
    return key;
  } catch {
    return null;
  }
}

/** Vendor URLs expire (Jimeng's after an hour): ask the vendor again for a fresh one before the retry. */
async function refreshVideoUrl(env: Env, record: TaskRecord): Promise<void> {
  const provider = providerFor(record.vendor);
  const cfg = config(env);
  const account = taskAccount(cfg, record.vendor, record.upstream.account);
  if (!account) return;
  const outcome = await exchange(provider, cfg, account, provider.pollCall(record.upstream.id!, record.upstream.ref), provider.interpretPoll);
  if (outcome.kind === "succeeded") await task(env, record.id).refreshVideoUrl(outcome.videoUrl);
}
