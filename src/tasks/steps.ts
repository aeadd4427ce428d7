import { config } from "../config.ts";
import type { Env } from "../env.ts";
import { taskError, vendorTrouble } from "../lib/errors.ts";
import { exchange } from "../providers/client.ts";
import { providerFor } from "../providers/registry.ts";
import type { Outcome } from "../providers/types.ts";
import { IngestError, ingestVideo, type StoredVideo, storedVideo } from "../storage/ingest.ts";
import { coverKey, videoKey } from "../storage/layout.ts";
import { loadPlan } from "../storage/requests.ts";
import { INGEST_GRACE_MS, INGEST_STALL_MS } from "./liveness.ts";
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

/** A vendor task made for a task that was cancelled meanwhile: cancelled at the vendor too, where the vendor can. */
async function cancelUpstream(env: Env, vendor: TaskRecord["vendor"], upstreamId: string): Promise<void> {
  const provider = providerFor(vendor);
  if (provider.cancelCall)
    await exchange(provider, config(env), provider.cancelCall(upstreamId), () => ({ kind: "pending", vendorStatus: "cancelling", running: true }));
}

function unexpected(outcome: Outcome): never {
  throw new Error(`unexpected vendor outcome "${outcome.kind}"`);
}

/**
 * Submits once. Transient answers throw so the step retries with backoff; busy is returned for a durable wait.
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

  // An earlier attempt may have reached the vendor and lost its answer: find that task instead of paying twice,
  // or, with a vendor that cannot look a task up by our id, give up rather than risk a second paid task.
  if (await stub.beginSubmit()) {
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
    const found = await exchange(provider, cfg, lookup.call(id, record.upstream.ref), (reply) => lookup.interpret(reply, id));
    if (found.kind === "accepted") return accepted(env, id, record, found.upstreamId, found.seed ?? null, firstWaitMs);
    if (found.kind !== "absent") throw vendorTrouble(`could not check for an earlier submission: ${"message" in found ? found.message : found.kind}`);
  }

  const outcome = await exchange(provider, cfg, plan.call, provider.interpretSubmit);
  switch (outcome.kind) {
    case "accepted":
      return accepted(env, id, record, outcome.upstreamId, outcome.seed ?? null, firstWaitMs);
    case "busy":
      await stub.closeSubmit();
      await stub.noteVendorStatus("busy", Math.max(...BUSY_WAIT_MS));
      return { kind: "busy", message: outcome.message };
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

/** Records the vendor's acceptance; a task cancelled during the submission has its new vendor task cancelled too. */
async function accepted(env: Env, id: string, record: TaskRecord, upstreamId: string, seed: number | null, firstWaitMs: number): Promise<SubmitResult> {
  if (await task(env, id).submitted(upstreamId, seed, firstWaitMs)) return { kind: "accepted" };
  await cancelUpstream(env, record.vendor, upstreamId);
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
  const outcome = await exchange(provider, config(env), provider.pollCall(record.upstream.id!, record.upstream.ref), provider.interpretPoll);
  const stub = task(env, id);
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
  try {
    const response = await fetch(record.result.video_url, { headers: { "accept-encoding": "identity" }, signal: stall.signal }).catch((err: Error) => {
      throw vendorTrouble(`downloading the video from the vendor failed: ${err.message}`);
    });
    if (!response.ok) {
      await response.body?.cancel();
      if (EXPIRED.has(response.status)) await refreshVideoUrl(env, record);
      throw vendorTrouble(`downloading the video from the vendor failed with HTTP ${response.status}`);
    }
    await task(env, id).heartbeat();
    return await ingestVideo(env.VIDEOS, key, response, { onProgress: () => task(env, id).heartbeat(), onBytes: stall.alive });
  } catch (err) {
    if (stall.signal.aborted) throw vendorTrouble(`the vendor's download stalled: no data for ${stallMs / 1000} s`);
    if (!(err instanceof IngestError)) throw err;
    if (err.retryable) throw vendorTrouble(err.message);
    // Junk (an HTML error page, not an MP4) will not improve on retry and must never become a video.
    await task(env, id).failed(taskError(502, "invalid_video", `The vendor's file is not a usable MP4: ${err.message}`));
    return null;
  } finally {
    stall.stop();
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
  const outcome = await exchange(provider, config(env), provider.pollCall(record.upstream.id!, record.upstream.ref), provider.interpretPoll);
  if (outcome.kind === "succeeded") await task(env, record.id).refreshVideoUrl(outcome.videoUrl);
}
