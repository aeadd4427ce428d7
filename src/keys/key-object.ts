import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { Waiters } from "../lib/waiters.ts";

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const RATE_WINDOW_MS = 60_000;

/** A response kept for an Idempotency-Key: what the first POST answered. */
export interface StoredResponse {
  status: number;
  body: string;
}

export type Admission =
  | { kind: "go" }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "mismatch" }
  | { kind: "in_progress" }
  | { kind: "limited"; reason: "rate" | "concurrency"; retryAfterS: number };

export interface Limits {
  perMinute: number;
  concurrent: number;
}

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
    sql.exec(`CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, body_sha TEXT NOT NULL, created_ms INTEGER NOT NULL, status INTEGER, body TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS requests (at_ms INTEGER NOT NULL)`);
  }

  /**
   * Decides whether a POST may create a task. With an Idempotency-Key, a finished first request is replayed,
   * a running one is waited for (held here, not polled), and a different body is refused.
   */
  async admit(idempotencyKey: string | null, bodySha: string, limits: Limits, nowMs = Date.now()): Promise<Admission> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM idempotency WHERE created_ms < ?", nowMs - IDEMPOTENCY_TTL_MS);
    if (idempotencyKey !== null) {
      const seen = await this.firstResponse(idempotencyKey, bodySha);
      if (seen) return seen;
    }
    sql.exec("DELETE FROM requests WHERE at_ms <= ?", nowMs - RATE_WINDOW_MS);
    const recent = sql.exec<{ n: number; oldest: number }>("SELECT COUNT(*) AS n, MIN(at_ms) AS oldest FROM requests").one();
    if (limits.perMinute > 0 && recent.n >= limits.perMinute) {
      return { kind: "limited", reason: "rate", retryAfterS: Math.max(1, Math.ceil((recent.oldest + RATE_WINDOW_MS - nowMs) / 1000)) };
    }
    const active = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE active = 1").one().n;
    if (limits.concurrent > 0 && active >= limits.concurrent) return { kind: "limited", reason: "concurrency", retryAfterS: 10 };
    sql.exec("INSERT INTO requests (at_ms) VALUES (?)", nowMs);
    if (idempotencyKey !== null) {
      sql.exec("INSERT INTO idempotency (key, body_sha, created_ms) VALUES (?, ?, ?)", idempotencyKey, bodySha, nowMs);
    }
    return { kind: "go" };
  }

  private async firstResponse(key: string, bodySha: string): Promise<Admission | null> {
    const row = () =>
      this.ctx.storage.sql
        .exec<{ body_sha: string; status: number | null; body: string | null }>("SELECT body_sha, status, body FROM idempotency WHERE key = ?", key)
        .toArray()[0];
    const first = row();
    if (!first) return null;
    if (first.body_sha !== bodySha) return { kind: "mismatch" };
    const done = first.status !== null ? first : await this.waiters.until(() => row()?.status != null, 30_000).then(row);
    if (!done) return null; // the first request gave up (server error): this one may try again
    return done.status === null ? { kind: "in_progress" } : { kind: "replay", response: { status: done.status, body: done.body ?? "" } };
  }

  /** Indexes a new task before its workflow starts, so a task is listed (and counted) even if its POST dies. */
  async addTask(id: string, createdMs: number): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO tasks (id, created_ms, active) VALUES (?, ?, 1)", id, createdMs);
  }

  /** A task whose POST answered with the vendor's refusal was never handed out: it is not listed. */
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

  /** The first POST failed on our side: forget its Idempotency-Key so a retry can create the task. */
  async abandon(idempotencyKey: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM idempotency WHERE key = ? AND status IS NULL", idempotencyKey);
    this.waiters.wake();
  }

  /** A task reached a final state: it no longer counts against the concurrency limit. */
  async finished(taskId: string): Promise<void> {
    this.ctx.storage.sql.exec("UPDATE tasks SET active = 0 WHERE id = ?", taskId);
  }

  /**
   * Task ids newest first, after the cursor task (exclusive); one extra row tells whether more exist.
   * null when the cursor is not one of this key's tasks (another key's id reads the same as an unknown one).
   */
  async list(limit: number, after: string | null): Promise<{ ids: string[]; hasMore: boolean } | null> {
    const sql = this.ctx.storage.sql;
    const cursor = after === null ? null : sql.exec<{ created_ms: number }>("SELECT created_ms FROM tasks WHERE id = ?", after).toArray()[0];
    if (after !== null && !cursor) return null;
    const rows = cursor
      ? sql
          .exec<{ id: string }>(
            "SELECT id FROM tasks WHERE created_ms < ? OR (created_ms = ? AND id < ?) ORDER BY created_ms DESC, id DESC LIMIT ?",
            cursor.created_ms,
            cursor.created_ms,
            after,
            limit + 1,
          )
          .toArray()
      : sql.exec<{ id: string }>("SELECT id FROM tasks ORDER BY created_ms DESC, id DESC LIMIT ?", limit + 1).toArray();
    return { ids: rows.slice(0, limit).map((r) => r.id), hasMore: rows.length > limit };
  }
}
