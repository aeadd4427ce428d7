import type { LedgerEntry } from "./ledger.ts";

/**
 * One key's money, kept in its KeyObject's SQLite: the balance, each task's reservation and how it ended, the top-ups
 * applied, and an outbox of ledger entries on their way to D1. Every method is synchronous: it runs to its end without
 * another request of the key in between, and its writes commit together (with the outbox entry), so a reservation
 * can never overdraw and an event is never half recorded. Each is keyed (task id, credit id): a replay changes nothing.
 *
 * Invariants: balance = top-ups (the opening credits among them) − charges; balance ≥ reserved ≥ 0.
 */

/** What a task will cost, fixed at creation, and the facts the usage ledger groups it by. */
export interface TaskBill {
  keyId: string;
  model: string;
  resolution: string;
  seconds: number;
  price: number;
}

/** A metered key's available balance (balance − reserved) is below a new task's price: nothing was created. */
export class InsufficientCredits extends Error {
  override readonly name = "InsufficientCredits";
  constructor(
    readonly price: number,
    readonly balance: number,
    readonly reserved: number,
  ) {
    super(
      `This task costs ${price} credits but this key has ${balance - reserved} available (balance ${balance}, ${reserved} reserved by tasks still processing). Ask the operator to add credits, or choose a cheaper model, resolution or duration.`,
    );
  }
}

export type Reservation = { ok: true } | { ok: false; price: number; balance: number; reserved: number };

export type CreditResult =
  | { kind: "applied" | "replayed"; balance: number; reserved: number }
  | { kind: "insufficient"; balance: number; reserved: number }
  | { kind: "mismatch" }
  | { kind: "unmetered" };

export interface Credits {
  /** null: unmetered (a static API_KEYS key, or one created with `credits: null`). */
  balance: number | null;
  reserved: number;
}

type ChargeState = "reserved" | "charged" | "refunded";

export class Wallet {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS account (one INTEGER PRIMARY KEY CHECK (one = 1), balance INTEGER NOT NULL)");
    sql.exec(
      `CREATE TABLE IF NOT EXISTS charges (task_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, price INTEGER NOT NULL, state TEXT NOT NULL,
        created_ms INTEGER NOT NULL)`,
    );
    sql.exec("CREATE TABLE IF NOT EXISTS credits (id TEXT PRIMARY KEY, amount INTEGER NOT NULL, body_sha TEXT NOT NULL, balance_after INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)");
  }

  /** Makes the key metered with an opening balance (null: unmetered). Idempotent: a second open changes nothing. */
  open(keyId: string, credits: number | null, nowS: number): void {
    if (credits === null || this.balance() !== null) return;
    this.sql.exec("INSERT INTO account (one, balance) VALUES (1, ?)", credits);
    if (credits > 0) {
      this.sql.exec("INSERT INTO credits (id, amount, body_sha, balance_after) VALUES ('open', ?, '', ?)", credits, credits);
      this.queue({ kind: "credit", id: `${keyId}:credit:open`, key_id: keyId, amount: credits, note: "opening balance", at: nowS });
    }
  }

  credits(): Credits {
    return { balance: this.balance(), reserved: this.reserved() };
  }

  /** Reserves a task's price, unless the available balance (balance − reserved) is short. A task reserved before is ok. */
  reserve(taskId: string, bill: TaskBill, nowMs: number): Reservation {
    if (this.state(taskId)) return { ok: true };
    const balance = this.balance();
    const reserved = this.reserved();
    if (balance !== null && balance - reserved < bill.price) return { ok: false, price: bill.price, balance, reserved };
    this.sql.exec("INSERT INTO charges (task_id, key_id, price, state, created_ms) VALUES (?, ?, ?, 'reserved', ?)", taskId, bill.keyId, bill.price, nowMs);
    const { keyId, ...facts } = bill;
    this.queue({ kind: "reserve", key_id: keyId, task_id: taskId, ...facts, at: Math.floor(nowMs / 1000) });
    return { ok: true };
  }

  /** Charges a succeeded task its reserved price, or refunds a failed one in full; false when already settled (or never reserved). */
  settle(taskId: string, outcome: "succeeded" | "failed", nowS: number): boolean {
    const row = this.sql
      .exec<{ key_id: string; price: number; state: ChargeState }>("SELECT key_id, price, state FROM charges WHERE task_id = ?", taskId)
      .toArray()[0];
    if (row?.state !== "reserved") return false;
    const charged = outcome === "succeeded";
    if (charged) this.sql.exec("UPDATE account SET balance = balance - ?", row.price);
    this.sql.exec("UPDATE charges SET state = ? WHERE task_id = ?", charged ? "charged" : "refunded", taskId);
    this.queue({ kind: charged ? "charge" : "refund", key_id: row.key_id, task_id: taskId, amount: row.price, at: nowS });
    return true;
  }

  /** Withdraws the reservation of a task that never came to exist, as if it had not been made (a retry may make it again). */
  release(taskId: string): void {
    const row = this.sql.exec<{ key_id: string; state: ChargeState }>("SELECT key_id, state FROM charges WHERE task_id = ?", taskId).toArray()[0];
    if (row?.state !== "reserved") return;
    this.sql.exec("DELETE FROM charges WHERE task_id = ?", taskId);
    this.queue({ kind: "release", key_id: row.key_id, task_id: taskId });
  }

  /**
   * Adds `amount` (negative: a debit) once per credit id; a replay answers as the first did, a different amount or
   * note under the same id is a mismatch. A debit may not take the balance below what running tasks reserved.
   */
  credit(keyId: string, id: string, amount: number, note: string | null, bodySha: string, nowS: number): CreditResult {
    const balance = this.balance();
    if (balance === null) return { kind: "unmetered" };
    const earlier = this.sql.exec<{ body_sha: string; balance_after: number }>("SELECT body_sha, balance_after FROM credits WHERE id = ?", id).toArray()[0];
    if (earlier) return earlier.body_sha === bodySha ? { kind: "replayed", balance: earlier.balance_after, reserved: this.reserved() } : { kind: "mismatch" };
    const reserved = this.reserved();
    if (balance + amount < reserved) return { kind: "insufficient", balance, reserved };
    this.sql.exec("UPDATE account SET balance = balance + ?", amount);
    this.sql.exec("INSERT INTO credits (id, amount, body_sha, balance_after) VALUES (?, ?, ?, ?)", id, amount, bodySha, balance + amount);
    this.queue({ kind: "credit", id: `${keyId}:credit:${id}`, key_id: keyId, amount, note, at: nowS });
    return { kind: "applied", balance: balance + amount, reserved };
  }

  /** Reservations older than `beforeMs`: their tasks are checked by the KeyObject's alarm. */
  reservedBefore(beforeMs: number): string[] {
    return this.sql
      .exec<{ task_id: string }>("SELECT task_id FROM charges WHERE state = 'reserved' AND created_ms < ?", beforeMs)
      .toArray()
      .map((r) => r.task_id);
  }

  hasReservations(): boolean {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM charges WHERE state = 'reserved'").one().n > 0;
  }

  /** The outbox, oldest first: D1 must see a task's reservation before its charge. */
  pending(limit: number): { seq: number; entry: LedgerEntry }[] {
    return this.sql
      .exec<{ seq: number; entry: string }>("SELECT seq, entry FROM outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) as LedgerEntry }));
  }

  delivered(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  }

  private state(taskId: string): ChargeState | undefined {
    return this.sql.exec<{ state: ChargeState }>("SELECT state FROM charges WHERE task_id = ?", taskId).toArray()[0]?.state;
  }

  private balance(): number | null {
    return this.sql.exec<{ balance: number }>("SELECT balance FROM account").toArray()[0]?.balance ?? null;
  }

  private reserved(): number {
    return this.sql.exec<{ n: number | null }>("SELECT SUM(price) AS n FROM charges WHERE state = 'reserved'").one().n ?? 0;
  }

  private queue(entry: LedgerEntry): void {
    this.sql.exec("INSERT INTO outbox (entry) VALUES (?)", JSON.stringify(entry));
  }
}
