import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { Waiters } from "../lib/waiters.ts";
import { isFinal } from "../tasks/states.ts";

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * How long a POST holds its Idempotency-Key before a retry may take it over: longer than a POST takes (its body,
 * the vendor's acceptance, at most a few seconds each), so only a POST that died loses it.
 */
const LEASE_MS = 30_000;
const RATE_WINDOW_MS = 60_000;
/** A slot whose task is older than this is checked against its TaskObject when the concurrency limit is hit. */
const RECONCILE_AFTER_MS = 30_000;

/** A response kept for an Idempotency-Key: what the first POST answered. */
export interface StoredResponse {
  status: number;
  body: string;
}

export type Admission =
  /** Create the task `taskId`; `resumed`: a POST that died had already chosen it (it may exist already). */
  | { kind: "go"; taskId: string; resumed: boolean }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "mismatch" }
  | { kind: "limited"; reason: "rate" | "concurrency"; retryAfterS: number };

export interface Limits {
  perMinute: number;
  concurrent: number;
}

type IdempotencyRow = {
  body_sha: string;
  task_id: string;
  lease_until_ms: number;
  status: number | null;
  body: string | null;
};

/**
 * What belongs to one API key rather than one task: the index of its tasks (for listing, newest first),
 * its in-flight count (concurrency limit), its request rate, and its idempotency keys.
 */
export class KeyObject extends DurableObject<Env> {
  private readonly waiters = new Waiters();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, active INTEGER NOT NULL)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS tasks_by_time ON tasks (created_ms DESC, id DESC)`);
    sql.exec(
      `CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, body_sha TEXT NOT NULL, created_ms INTEGER NOT NULL,
        task_id TEXT NOT NULL, lease_until_ms INTEGER NOT NULL, status INTEGER, body TEXT)`,
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS requests (at_ms INTEGER NOT NULL)`);
  }

  /**
   * Decides whether a POST may create a task, and under which id (`newTaskId` unless an Idempotency-Key names an
   * earlier one). With an Idempotency-Key, a finished first request is replayed, a running one is waited for (held
   * here, not polled) until it settles, gives up or dies, and a different body is refused.
   */
  async admit(idempotencyKey: string | null, bodySha: string, limits: Limits, newTaskId: string, nowMs = Date.now()): Promise<Admission> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM idempotency WHERE created_ms < ?", nowMs - IDEMPOTENCY_TTL_MS);
    if (idempotencyKey !== null) {
      const earlier = await this.earlierRequest(idempotencyKey, bodySha, nowMs);
      if (earlier) return earlier;
    }
    const limited = await this.limited(limits, nowMs);
    if (limited) return limited;
    sql.exec("INSERT INTO requests (at_ms) VALUES (?)", nowMs);
    if (idempotencyKey !== null) {
      sql.exec(
        "INSERT INTO idempotency (key, body_sha, created_ms, task_id, lease_until_ms) VALUES (?, ?, ?, ?, ?)",
        idempotencyKey,
        bodySha,
        nowMs,
        newTaskId,
        nowMs + LEASE_MS,
      );
    }
    return { kind: "go", taskId: newTaskId, resumed: false };
  }

  /** What an earlier request with this key means for this one; null when there is none (anymore). */
  private async earlierRequest(key: string, bodySha: string, nowMs: number): Promise<Admission | null> {
    const row = () =>
      this.ctx.storage.sql.exec<IdempotencyRow>("SELECT body_sha, task_id, lease_until_ms, status, body FROM idempotency WHERE key = ?", key).toArray()[0];
    const first = row();
    if (!first) return null;
    if (first.body_sha !== bodySha) return { kind: "mismatch" };
    // Held until the first request settles, gives up (the row goes) or its lease ends (it died).
    const settledOrGone = () => {
      const now = row();
      return !now || now.status !== null || now.task_id !== first.task_id;
    };
    await this.waiters.until(settledOrGone, Math.max(0, first.lease_until_ms - nowMs));
    const now = row();
    if (!now) return null;
    if (now.status !== null) return { kind: "replay", response: { status: now.status, body: now.body ?? "" } };
    // The first request died after choosing its task id: this one carries on with the same task, never a second one.
    this.ctx.storage.sql.exec("UPDATE idempotency SET lease_until_ms = ? WHERE key = ?", Math.max(nowMs, Date.now()) + LEASE_MS, key);
    return { kind: "go", taskId: now.task_id, resumed: true };
  }

  private async limited(limits: Limits, nowMs: number): Promise<Admission | null> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM requests WHERE at_ms <= ?", nowMs - RATE_WINDOW_MS);
    const recent = sql.exec<{ n: number; oldest: number }>("SELECT COUNT(*) AS n, MIN(at_ms) AS oldest FROM requests").one();
    if (limits.perMinute > 0 && recent.n >= limits.perMinute) {
      return { kind: "limited", reason: "rate", retryAfterS: Math.max(1, Math.ceil((recent.oldest + RATE_WINDOW_MS - nowMs) / 1000)) };
    }
    if (limits.concurrent > 0 && this.activeCount() >= limits.concurrent && (await this.reconcile(nowMs)) >= limits.concurrent) {
      return { kind: "limited", reason: "concurrency", retryAfterS: 10 };
    }
    return null;
  }

  private activeCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE active = 1").one().n;
  }

  /**
   * Frees the slots of tasks that are in fact final (or were never created), in case a task's notice was lost, and
   * returns the true count. Only run when the limit is hit, so the common path costs nothing.
   */
  private async reconcile(nowMs: number): Promise<number> {
    const stale = this.ctx.storage.sql.exec<{ id: string }>("SELECT id FROM tasks WHERE active = 1 AND created_ms < ?", nowMs - RECONCILE_AFTER_MS).toArray();
    const states = await Promise.all(
      stale.map(({ id }) =>
        this.env.TASKS.getByName(id)
          .read()
          .then((t) => t === null || isFinal(t.state)),
      ),
    );
    stale.forEach(({ id }, i) => {
      if (states[i]) this.ctx.storage.sql.exec("UPDATE tasks SET active = 0 WHERE id = ?", id);
    });
    return this.activeCount();
  }

  /** Indexes a new task before its TaskObject exists, so a task is listed (and counted) even if its POST dies. */
  async addTask(id: string, createdMs: number): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO tasks (id, created_ms, active) VALUES (?, ?, 1)", id, createdMs);
  }

  /** A task whose POST answered with an error (the vendor's refusal, or a failure before it existed) is not listed. */
  async forgetTask(id: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM tasks WHERE id = ?", id);
  }

  /** Records what a POST answered, for its Idempotency-Key. */
  async settle(idempotencyKey: string | null, response: StoredResponse): Promise<void> {
    if (idempotencyKey !== null) {
      this.ctx.storage.sql.exec("UPDATE idempotency SET status = ?, body = ? WHERE key = ?", response.status, response.body, idempotencyKey);
    }
    this.waiters.wake();
  }

  /** The first POST failed before any task existed: forget its Idempotency-Key, and a waiting retry goes ahead at once. */
  async abandon(idempotencyKey: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM idempotency WHERE key = ? AND status IS NULL", idempotencyKey);
    this.waiters.wake();
  }

  /** A task reached a final state: it no longer counts against the concurrency limit. */
  async finished(taskId: string): Promise<void> {
    this.ctx.storage.sql.exec("UPDATE tasks SET active = 0 WHERE id = ?", taskId);
  }

  /**
   * Task ids newest first (or oldest first), after the cursor task (exclusive); one extra row tells whether more exist.
   * null when the cursor is not one of this key's tasks (another key's id reads the same as an unknown one).
   */
  async list(limit: number, after: string | null, order: "asc" | "desc" = "desc"): Promise<{ ids: string[]; hasMore: boolean } | null> {
    const sql = this.ctx.storage.sql;
    const cursor = after === null ? null : sql.exec<{ created_ms: number }>("SELECT created_ms FROM tasks WHERE id = ?", after).toArray()[0];
    if (after !== null && !cursor) return null;
    // Only two fixed texts are ever spliced in, never a caller's value.
    const [past, dir] = order === "desc" ? ["<", "DESC"] : [">", "ASC"];
    const rows = cursor
      ? sql
          .exec<{ id: string }>(
            `SELECT id FROM tasks WHERE created_ms ${past} ? OR (created_ms = ? AND id ${past} ?) ORDER BY created_ms ${dir}, id ${dir} LIMIT ?`,
            cursor.created_ms,
            cursor.created_ms,
            after,
            limit + 1,
          )
          .toArray()
      : sql.exec<{ id: string }>(`SELECT id FROM tasks ORDER BY created_ms ${dir}, id ${dir} LIMIT ?`, limit + 1).toArray();
    return { ids: rows.slice(0, limit).map((r) => r.id), hasMore: rows.length > limit };
  }
}
