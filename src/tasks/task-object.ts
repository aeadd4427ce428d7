import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { TaskError } from "../lib/errors.ts";
import type { StoredVideo } from "../storage/ingest.ts";
import { canMove, isFinal, type TaskState } from "./states.ts";
import type { NewTask, TaskRecord } from "./task-record.ts";

const nowS = () => Math.floor(Date.now() / 1000);

type Milestone = "accepted" | "final";

/**
 * One task's single source of truth (one SQLite Durable Object per task). Every state change goes through
 * `move`, which refuses illegal transitions; readers can wait here for a milestone instead of polling.
 */
export class TaskObject extends DurableObject<Env> {
  private readonly waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS task (one INTEGER PRIMARY KEY CHECK (one = 1), data TEXT NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS nonce (value TEXT PRIMARY KEY)");
  }

  private load(): TaskRecord | null {
    const row = this.ctx.storage.sql.exec<{ data: string }>("SELECT data FROM task").toArray()[0];
    return row ? (JSON.parse(row.data) as TaskRecord) : null;
  }

  private save(task: TaskRecord): TaskRecord {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO task (one, data) VALUES (1, ?)", JSON.stringify(task));
    for (const wake of this.waiters) wake();
    return task;
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
    return this.save({ ...task, ...patch, state: to, updated_at: now, completed_at: isFinal(to) ? now : null });
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
        vendor_status: null,
        poll_errors: 0,
        video_url: null,
        vendor_seed: null,
        video: null,
        error: null,
      })
    );
  }

  /** Records a callback nonce; false when it was seen before (a replayed callback). */
  async claimNonce(value: string): Promise<boolean> {
    return this.ctx.storage.sql.exec("INSERT OR IGNORE INTO nonce (value) VALUES (?)", value).rowsWritten === 1;
  }

  async read(): Promise<TaskRecord | null> {
    return this.load();
  }

  /** Counts a submit attempt before it is made; returns how many were made before. */
  async beginSubmit(): Promise<number> {
    const task = this.current();
    this.save({ ...task, submit_attempts: task.submit_attempts + 1 });
    return task.submit_attempts;
  }

  async noteVendorStatus(status: string): Promise<void> {
    const task = this.current();
    if ((task.vendor_status !== status || task.poll_errors > 0) && !isFinal(task.state)) {
      this.save({ ...task, vendor_status: status, poll_errors: 0, updated_at: nowS() });
    }
  }

  /** Counts a poll that met a transient vendor error; returns how many happened in a row. */
  async notePollError(): Promise<number> {
    const task = this.current();
    this.save({ ...task, poll_errors: task.poll_errors + 1 });
    return task.poll_errors + 1;
  }

  async submitted(upstreamId: string): Promise<TaskRecord> {
    return this.move("submitted", { upstream_id: upstreamId, vendor_status: "accepted" });
  }

  async ingesting(videoUrl: string, vendorSeed: number | null): Promise<TaskRecord> {
    return this.move("ingesting", { video_url: videoUrl, vendor_seed: vendorSeed, vendor_status: "succeeded" });
  }

  /** A fresh vendor URL for a video whose first URL expired before ingest finished. */
  async refreshVideoUrl(videoUrl: string): Promise<void> {
    const task = this.current();
    if (task.state === "ingesting") this.save({ ...task, video_url: videoUrl });
  }

  async succeeded(video: StoredVideo): Promise<TaskRecord> {
    return this.move("succeeded", { video, video_url: null });
  }

  async failed(error: TaskError): Promise<TaskRecord> {
    return this.move("failed", { error, video_url: null });
  }

  /**
   * Resolves once the task reaches the milestone, or after `ms` with the task as it then is.
   * "accepted" also counts a vendor that said it is busy: the task then waits durably in the workflow.
   */
  async waitFor(milestone: Milestone, ms: number): Promise<TaskRecord | null> {
    const reached = (t: TaskRecord) =>
      milestone === "final" ? isFinal(t.state) : t.state !== "queued" || t.vendor_status === "busy";
    const first = this.load();
    if (!first || reached(first)) return first;
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.load());
      };
      const check = () => {
        if (reached(this.current())) finish();
      };
      const timer = setTimeout(finish, ms);
      this.waiters.add(check);
    });
  }
}
