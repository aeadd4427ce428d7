import { DurableObject } from "cloudflare:workers";
import { config } from "../config.ts";
import type { Env } from "../env.ts";
import type { TaskError } from "../lib/errors.ts";
import { Waiters } from "../lib/waiters.ts";
import type { StoredVideo } from "../storage/ingest.ts";
import { INGEST_BEAT_MS, START_MS, STEP_MS } from "./liveness.ts";
import { canMove, isFinal, type TaskState } from "./states.ts";
import { blankTask, type NewTask, type TaskRecord, type WebhookAttempt } from "./task-record.ts";
import { restartWorkflow } from "./workflow-control.ts";

const nowS = () => Math.floor(Date.now() / 1000);
const MAX_WEBHOOK_ATTEMPTS_KEPT = 20;

type Milestone = "accepted" | "final";

/** A task still needs its workflow until it is final and its webhook (if any) is settled. */
function needsWorkflow(task: TaskRecord): boolean {
  return !isFinal(task.state) || (task.webhook.url !== null && !task.webhook.done);
}

/** How soon the owner's books are tried again after a failed notice. */
const NOTIFY_RETRY_MS = 5_000;

/**
 * One task's single source of truth (one SQLite Durable Object per task). Every state change goes through
 * `move`, which refuses illegal transitions; readers can wait here for a milestone instead of polling; and an
 * alarm watches the workflow, restarting it when it stops making progress (its steps are idempotent).
 */
export class TaskObject extends DurableObject<Env> {
  private readonly waiters = new Waiters();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS task (one INTEGER PRIMARY KEY CHECK (one = 1), data TEXT NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS nonce (value TEXT PRIMARY KEY)");
  }

  private load(): TaskRecord | null {
    const row = this.ctx.storage.sql.exec<{ data: string }>("SELECT data FROM task").toArray()[0];
    return row ? (JSON.parse(row.data) as TaskRecord) : null;
  }

  /**
   * Every write is also a report of the workflow, which says within how long its next one is due (`nextInMs`);
   * the alarm is armed for that plus WATCHDOG_AFTER, or for a retry of the owner's notice, or cleared.
   */
  private save(task: TaskRecord, nextInMs = STEP_MS): TaskRecord {
    const saved = { ...task, watchdog: { ...task.watchdog, due_ms: Date.now() + nextInMs } };
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO task (one, data) VALUES (1, ?)", JSON.stringify(saved));
    const alarm = this.alarmAt(saved);
    if (alarm === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(alarm);
    this.waiters.wake();
    return saved;
  }

  private alarmAt(task: TaskRecord): number | null {
    const watchdog = needsWorkflow(task) ? task.watchdog.due_ms + config(this.env).watchdogAfterMs : null;
    const notice = isFinal(task.state) && !task.owner_notified ? Date.now() + NOTIFY_RETRY_MS : null;
    if (watchdog === null || notice === null) return watchdog ?? notice;
    return Math.min(watchdog, notice);
  }

  /**
   * Tells the key the task is final: it no longer counts against the concurrency limit, and its price is charged
   * (succeeded) or refunded (failed). The alarm retries a lost notice until it lands; the key settles a task once.
   */
  private async notifyOwner(): Promise<void> {
    const task = this.current();
    if (task.owner_notified || !isFinal(task.state)) return;
    await this.env.KEYS.getByName(task.owner).finished(task.id, task.state === "succeeded" ? "succeeded" : "failed");
    const now = this.current();
    this.save({ ...now, owner_notified: true }, Math.max(0, now.watchdog.due_ms - Date.now()));
  }

  private current(): TaskRecord {
    const task = this.load();
    if (!task) throw new Error("task does not exist");
    return task;
  }

  /** The one place a task changes state; an illegal move (e.g. out of a final state) changes nothing and says so. */
  private move(to: TaskState, update: (task: TaskRecord) => Partial<TaskRecord> = () => ({}), nextInMs = STEP_MS): boolean {
    const task = this.current();
    if (!canMove(task.state, to)) return false;
    const now = nowS();
    this.save({ ...task, ...update(task), state: to, updated_at: now, completed_at: isFinal(to) ? now : null }, nextInMs);
    if (isFinal(to)) this.ctx.waitUntil(this.notifyOwner().catch(() => {})); // the alarm retries
    return true;
  }

  /** Idempotent: a second create returns the first task unchanged. */
  async create(fields: NewTask): Promise<TaskRecord> {
    return this.load() ?? this.save(blankTask(fields, Date.now()), START_MS);
  }

  async read(): Promise<TaskRecord | null> {
    return this.load();
  }

  /** Records a callback nonce; false when it was seen before (a replayed callback). */
  async claimNonce(value: string): Promise<boolean> {
    // rowsWritten counts the primary-key index entry too, so a new nonce reports 2 and a repeat 0.
    return this.ctx.storage.sql.exec("INSERT OR IGNORE INTO nonce (value) VALUES (?)", value).rowsWritten > 0;
  }

  /**
   * Opens a submit attempt to `account` before it is made. When an earlier attempt is still open (its outcome
   * unknown), nothing changes and that attempt's account is returned with `open: true`: it must be settled with that
   * account first, since that account may have the task.
   */
  async beginSubmit(account: string | null = null): Promise<{ open: boolean; account: string | null }> {
    const task = this.current();
    const recorded = task.upstream.account ?? null;
    if (task.submit.open) {
      this.save(task);
      return { open: true, account: recorded };
    }
    this.save({ ...task, upstream: { ...task.upstream, account: account ?? recorded }, submit: { open: true } });
    return { open: false, account: account ?? recorded };
  }

  /** The vendor answered the submit attempt definitively without creating a task (busy, or an error it reported). */
  async closeSubmit(): Promise<void> {
    this.save({ ...this.current(), submit: { open: false } });
  }

  /** The workflow is alive mid-download; it beats again within INGEST_BEAT_MS. */
  async heartbeat(): Promise<void> {
    this.save(this.current(), 2 * INGEST_BEAT_MS);
  }

  /** The workflow now waits (the next poll, or a busy vendor's back-off) and reports again within `nextInMs`. */
  async expectNext(nextInMs: number): Promise<void> {
    this.save(this.current(), nextInMs);
  }

  /** The vendor's status of the task (`running`: rendering, not queued); the workflow reports again within `nextInMs`. */
  async noteVendorStatus(status: string, nextInMs: number, running = false): Promise<void> {
    const task = this.current();
    if (isFinal(task.state)) return;
    const updated_at = task.upstream.status === status ? task.updated_at : nowS();
    this.save({ ...task, updated_at, upstream: { ...task.upstream, status, running }, poll: { errors: 0 } }, nextInMs);
  }

  /** Counts a poll that met a transient vendor error; returns how many happened in a row. */
  async notePollError(nextInMs: number): Promise<number> {
    const task = this.current();
    const errors = task.poll.errors + 1;
    this.save({ ...task, poll: { errors } }, nextInMs);
    return errors;
  }

  /**
   * The vendor accepted the task. False when the task ended meanwhile (cancelled during the submission): the vendor's
   * id is still recorded, so the vendor task can be cancelled and accounted for.
   */
  async submitted(upstreamId: string, vendorSeed: number | null, nextInMs: number): Promise<boolean> {
    const upstream = (t: TaskRecord) => ({ ...t.upstream, id: upstreamId, seed: vendorSeed, status: "accepted" });
    if (this.move("submitted", (t) => ({ upstream: upstream(t), submit: { open: false } }), nextInMs)) return true;
    const task = this.current();
    if (isFinal(task.state) && !task.upstream.id) this.save({ ...task, upstream: upstream(task), submit: { open: false } });
    return false;
  }

  async ingesting(videoUrl: string, vendorSeed: number | null, coverUrl: string | null): Promise<boolean> {
    const update = (t: TaskRecord) => ({
      upstream: { ...t.upstream, seed: vendorSeed ?? t.upstream.seed, status: "succeeded" },
      result: { ...t.result, video_url: videoUrl, cover_url: coverUrl },
    });
    return this.move("ingesting", update, STEP_MS);
  }

  /** A fresh vendor URL for a video whose first URL expired before ingest finished. */
  async refreshVideoUrl(videoUrl: string): Promise<void> {
    const task = this.current();
    if (task.state === "ingesting") this.save({ ...task, result: { ...task.result, video_url: videoUrl } });
  }

  async succeeded(video: StoredVideo, coverKey: string | null): Promise<boolean> {
    return this.move("succeeded", () => ({ result: { video, cover_key: coverKey, video_url: null, cover_url: null } }));
  }

  async failed(error: TaskError): Promise<boolean> {
    return this.move("failed", (t) => ({ error, result: { ...t.result, video_url: null } }));
  }

  /**
   * Its owner deleted the task (its stored bytes are already gone): from now on it reads as absent. Only a final task
   * can be deleted; returns whether it is (now or already) deleted.
   */
  async markDeleted(): Promise<boolean> {
    const task = this.current();
    if (!isFinal(task.state)) return false;
    if (!task.deleted_at) this.save({ ...task, deleted_at: nowS() }, Math.max(0, task.watchdog.due_ms - Date.now()));
    return true;
  }

  /** Records a webhook attempt; `nextInMs` is the planned wait before the next one. */
  async noteWebhookAttempt(attempt: WebhookAttempt, done: boolean, nextInMs = 0): Promise<void> {
    const task = this.current();
    const attempts = [...task.webhook.attempts, attempt].slice(-MAX_WEBHOOK_ATTEMPTS_KEPT);
    this.save({ ...task, webhook: { ...task.webhook, attempts, done } }, nextInMs + STEP_MS);
  }

  /**
   * Resolves once the task reaches the milestone, or after `ms` with the task as it then is.
   * "accepted" also counts a vendor that said it is busy: the task then waits durably in the workflow.
   */
  async waitFor(milestone: Milestone, ms: number): Promise<TaskRecord | null> {
    const reached = (t: TaskRecord) => (milestone === "final" ? isFinal(t.state) : t.state !== "queued" || t.upstream.status === "busy");
    if (!this.load()) return null;
    await this.waiters.until(() => reached(this.current()), ms);
    return this.load();
  }

  /**
   * The owner's notice, retried until it lands; and the watchdog: a workflow whose report is overdue (e.g. its
   * runtime was killed) is restarted from the start, its steps finding what is already done in this object.
   */
  async alarm(): Promise<void> {
    if (!this.load()) return;
    await this.notifyOwner().catch(() => {});
    const task = this.current();
    if (!needsWorkflow(task) || Date.now() < task.watchdog.due_ms + config(this.env).watchdogAfterMs) {
      this.save(task, Math.max(0, task.watchdog.due_ms - Date.now())); // re-arms whatever is still due
      return;
    }
    await restartWorkflow(this.env, task.id);
    this.save({ ...task, watchdog: { ...task.watchdog, restarts: task.watchdog.restarts + 1 } }, 2 * START_MS);
  }
}
