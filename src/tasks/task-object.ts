import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { parseDuration, parseDurations } from "../lib/duration.ts";
import type { TaskError } from "../lib/errors.ts";
import { Waiters } from "../lib/waiters.ts";
import type { StoredVideo } from "../storage/ingest.ts";
import { canMove, isFinal, type TaskState } from "./states.ts";
import type { NewTask, TaskRecord, WebhookAttempt } from "./task-record.ts";

const nowS = () => Math.floor(Date.now() / 1000);
const MAX_WEBHOOK_ATTEMPTS_KEPT = 20;

type Milestone = "accepted" | "final";

/** A task still needs its workflow until it is final and its webhook (if any) is settled. */
function needsWorkflow(task: TaskRecord): boolean {
  return !isFinal(task.state) || (task.webhook_url !== null && !task.webhook_done);
}

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

  /** Every write is also a heartbeat of the workflow, and re-arms (or clears) the watchdog. */
  private save(task: TaskRecord): TaskRecord {
    const saved = { ...task, heartbeat_ms: Date.now() };
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO task (one, data) VALUES (1, ?)", JSON.stringify(saved));
    if (needsWorkflow(saved)) void this.ctx.storage.setAlarm(this.watchdogDue(saved));
    else void this.ctx.storage.deleteAlarm();
    this.waiters.wake();
    return saved;
  }

  private watchdogDue(task: TaskRecord): number {
    return Math.max(task.heartbeat_ms, task.quiet_until_ms) + this.watchdogMs();
  }

  /** Silence longer than this means a stuck workflow; never shorter than twice the longest poll wait. */
  private watchdogMs(): number {
    const longestPoll = Math.max(...parseDurations(this.env.POLL_INTERVALS || "2s,5s,10s,30s"));
    return Math.max(parseDuration(this.env.WATCHDOG_AFTER || "10m"), 2 * longestPoll);
  }

  private current(): TaskRecord {
    const task = this.load();
    if (!task) throw new Error("task does not exist");
    return task;
  }

  /** The one place a task changes state; an illegal move (e.g. out of a final state) changes nothing. */
  private move(to: TaskState, patch: Partial<TaskRecord> = {}): TaskRecord {
    const task = this.current();
    if (!canMove(task.state, to)) return task;
    const now = nowS();
    const moved = this.save({ ...task, ...patch, state: to, updated_at: now, completed_at: isFinal(to) ? now : null });
    // The key's concurrency count only covers processing tasks.
    if (isFinal(to)) this.ctx.waitUntil(this.env.KEYS.getByName(task.owner).finished(task.id));
    return moved;
  }

  /** Idempotent: a second create returns the first task unchanged. */
  async create(fields: NewTask): Promise<TaskRecord> {
    return (
      this.load() ??
      this.save({
        ...fields,
        state: "queued",
        updated_at: fields.created_at,
        completed_at: null,
        upstream_id: null,
        submit_attempts: 0,
        submit_open: false,
        vendor_status: null,
        poll_errors: 0,
        video_url: null,
        vendor_seed: null,
        cover_url: null,
        cover_key: null,
        video: null,
        error: null,
        heartbeat_ms: Date.now(),
        quiet_until_ms: 0,
        workflow_restarts: 0,
        webhook_attempts: [],
        webhook_done: false,
      })
    );
  }

  async read(): Promise<TaskRecord | null> {
    return this.load();
  }

  /** Records a callback nonce; false when it was seen before (a replayed callback). */
  async claimNonce(value: string): Promise<boolean> {
    // rowsWritten counts the primary-key index entry too, so a new nonce reports 2 and a repeat 0.
    return this.ctx.storage.sql.exec("INSERT OR IGNORE INTO nonce (value) VALUES (?)", value).rowsWritten > 0;
  }

  /** Opens a submit attempt before it is made; returns whether an earlier one was left open (its outcome unknown). */
  async beginSubmit(): Promise<boolean> {
    const task = this.current();
    this.save({ ...task, submit_attempts: task.submit_attempts + 1, submit_open: true });
    return task.submit_open;
  }

  /** The vendor answered the submit attempt definitively without creating a task (busy, or an error it reported). */
  async closeSubmit(): Promise<void> {
    this.save({ ...this.current(), submit_open: false });
  }

  /** The workflow is alive (e.g. mid-download). */
  async heartbeat(): Promise<void> {
    this.save(this.current());
  }

  /** `quietMs`: a planned wait before the workflow's next report (e.g. a busy vendor's back-off). */
  async noteVendorStatus(status: string, quietMs = 0): Promise<void> {
    const task = this.current();
    if (isFinal(task.state)) return;
    const updated_at = task.vendor_status === status ? task.updated_at : nowS();
    this.save({ ...task, vendor_status: status, poll_errors: 0, updated_at, quiet_until_ms: Date.now() + quietMs });
  }

  /** Counts a poll that met a transient vendor error; returns how many happened in a row. */
  async notePollError(): Promise<number> {
    const task = this.current();
    this.save({ ...task, poll_errors: task.poll_errors + 1 });
    return task.poll_errors + 1;
  }

  async submitted(upstreamId: string, vendorSeed: number | null = null): Promise<TaskRecord> {
    return this.move("submitted", { upstream_id: upstreamId, vendor_seed: vendorSeed, vendor_status: "accepted", submit_open: false });
  }

  async ingesting(videoUrl: string, vendorSeed: number | null, coverUrl: string | null): Promise<TaskRecord> {
    const task = this.current();
    return this.move("ingesting", { video_url: videoUrl, vendor_seed: vendorSeed ?? task.vendor_seed, cover_url: coverUrl, vendor_status: "succeeded" });
  }

  /** A fresh vendor URL for a video whose first URL expired before ingest finished. */
  async refreshVideoUrl(videoUrl: string): Promise<void> {
    const task = this.current();
    if (task.state === "ingesting") this.save({ ...task, video_url: videoUrl });
  }

  async succeeded(video: StoredVideo, coverKey: string | null): Promise<TaskRecord> {
    return this.move("succeeded", { video, cover_key: coverKey, video_url: null, cover_url: null });
  }

  async failed(error: TaskError): Promise<TaskRecord> {
    return this.move("failed", { error, video_url: null });
  }

  /** Records a webhook attempt; `nextInMs` is the planned wait before the next one. */
  async noteWebhookAttempt(attempt: WebhookAttempt, done: boolean, nextInMs = 0): Promise<void> {
    const task = this.current();
    const attempts = [...task.webhook_attempts, attempt].slice(-MAX_WEBHOOK_ATTEMPTS_KEPT);
    this.save({ ...task, webhook_attempts: attempts, webhook_done: done, quiet_until_ms: Date.now() + nextInMs });
  }

  /**
   * Resolves once the task reaches the milestone, or after `ms` with the task as it then is.
   * "accepted" also counts a vendor that said it is busy: the task then waits durably in the workflow.
   */
  async waitFor(milestone: Milestone, ms: number): Promise<TaskRecord | null> {
    const reached = (t: TaskRecord) =>
      milestone === "final" ? isFinal(t.state) : t.state !== "queued" || t.vendor_status === "busy";
    if (!this.load()) return null;
    await this.waiters.until(() => reached(this.current()), ms);
    return this.load();
  }

  /** The watchdog: a workflow silent for too long (e.g. its runtime was killed) is restarted from the start. */
  async alarm(): Promise<void> {
    const task = this.load();
    if (!task || !needsWorkflow(task)) return;
    const due = this.watchdogDue(task);
    if (Date.now() < due) {
      await this.ctx.storage.setAlarm(due);
      return;
    }
    try {
      await (await this.env.TASK_WORKFLOW.get(task.id)).restart();
    } catch {
      // No instance (it was never created, or is gone): start one; its steps pick up from the TaskObject.
      await this.env.TASK_WORKFLOW.create({ id: task.id, params: { taskId: task.id } }).catch(() => {});
    }
    this.save({ ...task, workflow_restarts: task.workflow_restarts + 1 });
  }
}
