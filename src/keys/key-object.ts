import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { Waiters } from "../lib/waiters.ts";
import { isFinal } from "../tasks/states.ts";
import { writeEntry } from "./ledger.ts";
import { type CreditResult, type Credits, type Reservation, type TaskBill, Wallet } from "./wallet.ts";

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * How long a POST holds its Idempotency-Key before a retry may take it over: longer than a POST takes (its body,
 * the vendor's acceptance, at most a few seconds each), so only a POST that died loses it.
 */
const LEASE_MS = 30_000;
const RATE_WINDOW_MS = 60_000;
/** A slot whose task is older than this is checked against its TaskObject when the concurrency limit is hit. */
const RECONCILE_AFTER_MS = 30_000;
/** How soon an outbox that D1 did not take is tried again. */
const FLUSH_RETRY_MS = 5_000;
/** How often a key with tasks still reserved checks them against their TaskObjects (a lost notice, a POST that died). */
const RESERVATIONS_CHECK_MS = 60_000;
const OUTBOX_BATCH = 50;

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
 * its in-flight count (concurrency limit), its request rate, its idempotency keys, and its money (the Wallet: the
 * source of truth for the balance, each task's reservation, charge or refund, written on to D1's ledger through an
 * outbox that the alarm retries).
 */
export class KeyObject extends DurableObject<Env> {
  private readonly waiters = new Waiters();
  private readonly wallet: Wallet;
  private flushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.wallet = new Wallet(ctx.storage.sql);
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

  /**
   * Reserves a new task's price and indexes it, before its TaskObject exists, so a task is listed, counted and paid
   * for even if its POST dies. A short balance indexes nothing and says so. Idempotent per task id.
   */
  async addTask(id: string, createdMs: number, bill?: TaskBill): Promise<Reservation> {
    const reservation = this.ctx.storage.transactionSync(() => {
      const reserved = bill ? this.wallet.reserve(id, bill, createdMs) : ({ ok: true } as const);
      if (reserved.ok) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO tasks (id, created_ms, active) VALUES (?, ?, 1)", id, createdMs);
      return reserved;
    });
    if (bill && reservation.ok) this.moneyMoved();
    return reservation;
  }

  /** A task that never came to exist (its POST failed before creating it): its reservation is withdrawn. */
  async release(id: string): Promise<void> {
    this.wallet.release(id);
    this.moneyMoved();
  }

  /** Makes a new managed key metered with its opening credits (null: unmetered); idempotent. */
  async openAccount(keyId: string, credits: number | null): Promise<Credits> {
    this.ctx.storage.transactionSync(() => this.wallet.open(keyId, credits, Math.floor(Date.now() / 1000)));
    this.moneyMoved();
    return this.wallet.credits();
  }

  async credits(): Promise<Credits> {
    return this.wallet.credits();
  }

  /** A top-up or debit by the operator, once per `creditId` (the request's Idempotency-Key). */
  async credit(keyId: string, creditId: string, amount: number, note: string | null, bodySha: string): Promise<CreditResult> {
    const result = this.ctx.storage.transactionSync(() => this.wallet.credit(keyId, creditId, amount, note, bodySha, Math.floor(Date.now() / 1000)));
    if (result.kind === "applied") this.moneyMoved();
    return result;
  }

  /** Writes the outbox to D1 now (e.g. before answering a usage query of this key); a failure is left to the alarm. */
  async flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.deliver().finally(() => {
        this.flushing = null;
      });
    }
    await this.flushing.catch(() => {});
  }

  /** One flush at a time, in outbox order, so D1 sees a task's reservation before its charge. */
  private async deliver(): Promise<void> {
    for (;;) {
      const batch = this.wallet.pending(OUTBOX_BATCH);
      if (batch.length === 0) break;
      for (const { seq, entry } of batch) {
        await writeEntry(this.env.DB, entry);
        this.wallet.delivered(seq);
      }
    }
    if (this.wallet.hasReservations()) await this.ctx.storage.setAlarm(Date.now() + RESERVATIONS_CHECK_MS);
  }

  /** A money event was recorded: the alarm stands guard (a crash, D1 down) while the outbox is written on at once. */
  private moneyMoved(): void {
    void this.ctx.storage.setAlarm(Date.now() + FLUSH_RETRY_MS);
    this.ctx.waitUntil(this.flush());
  }

  /**
   * Reconciliation: writes what the outbox still holds to D1, and settles reservations whose task is final (a notice
   * that never came) or that never came to exist (a POST that died between reserving and creating the task).
   */
  async alarm(): Promise<void> {
    for (const id of this.wallet.reservedBefore(Date.now() - RECONCILE_AFTER_MS)) {
      const task = await this.env.TASKS.getByName(id).read();
      if (task === null) this.wallet.release(id);
      else if (isFinal(task.state)) this.wallet.settle(id, task.state === "succeeded" ? "succeeded" : "failed", Math.floor(Date.now() / 1000));
    }
    await this.ctx.storage.setAlarm(Date.now() + FLUSH_RETRY_MS); // stands if this flush fails
    await this.flush();
    if (this.wallet.pending(1).length === 0 && !this.wallet.hasReservations()) await this.ctx.storage.deleteAlarm();
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

  /**
   * A task reached a final state: it no longer counts against the concurrency limit, and its price is charged
   * (succeeded) or refunded (failed), once: the TaskObject repeats this notice until it lands, and a repeat is a no-op.
   */
  async finished(taskId: string, outcome: "succeeded" | "failed"): Promise<void> {
    const settled = this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("UPDATE tasks SET active = 0 WHERE id = ?", taskId);
      return this.wallet.settle(taskId, outcome, Math.floor(Date.now() / 1000));
    });
    if (settled) this.moneyMoved();
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
