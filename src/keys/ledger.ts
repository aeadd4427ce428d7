/**
 * The usage ledger in D1: what the operator queries across keys. Each key's KeyObject is the source of truth for its
 * money and writes each event here through its outbox (src/keys/key-object.ts); every write is keyed (the ledger row
 * id, the task id), so an entry written twice, after a crash or a retry, changes nothing.
 */

/** One money event of one key, as the KeyObject records it. Times are Unix seconds. */
export type LedgerEntry =
  | { kind: "credit"; id: string; key_id: string; amount: number; note: string | null; at: number }
  | { kind: "reserve"; key_id: string; task_id: string; model: string; resolution: string; seconds: number; price: number; at: number }
  | { kind: "charge" | "refund"; key_id: string; task_id: string; amount: number; at: number }
  /** A reservation withdrawn because its task never came to exist: as if it had never been made. */
  | { kind: "release"; key_id: string; task_id: string };

const INSERT_LEDGER = "INSERT OR IGNORE INTO ledger (id, key_id, task_id, kind, amount, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

/** Writes one entry, all or nothing (a D1 batch is one transaction); idempotent. */
export async function writeEntry(db: D1Database, e: LedgerEntry): Promise<void> {
  switch (e.kind) {
    case "credit":
      await db.prepare(INSERT_LEDGER).bind(e.id, e.key_id, null, "credit", e.amount, e.note, e.at).run();
      return;
    case "reserve":
      await db.batch([
        db
          .prepare(
            `INSERT OR IGNORE INTO tasks (id, key_id, model, resolution, seconds, price, status, charged, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'processing', 0, ?)`,
          )
          .bind(e.task_id, e.key_id, e.model, e.resolution, e.seconds, e.price, e.at),
        db.prepare(INSERT_LEDGER).bind(`${e.task_id}:reserve`, e.key_id, e.task_id, "reserve", e.price, null, e.at),
      ]);
      return;
    case "charge":
    case "refund":
      await db.batch([
        db.prepare(INSERT_LEDGER).bind(`${e.task_id}:${e.kind}`, e.key_id, e.task_id, e.kind, e.amount, null, e.at),
        db
          .prepare("UPDATE tasks SET status = ?, charged = ?, completed_at = ? WHERE id = ?")
          .bind(e.kind === "charge" ? "succeeded" : "failed", e.kind === "charge" ? e.amount : 0, e.at, e.task_id),
      ]);
      return;
    case "release":
      await db.batch([
        db.prepare("DELETE FROM ledger WHERE id = ?").bind(`${e.task_id}:reserve`),
        db.prepare("DELETE FROM tasks WHERE id = ? AND status = 'processing'").bind(e.task_id),
      ]);
      return;
  }
}

/** The WHERE terms whose value is given (null: no filter), with their bound values. */
function conditions(terms: [string, string | number | null][]): { where: string[]; args: (string | number)[] } {
  const given = terms.filter((t): t is [string, string | number] => t[1] !== null);
  return { where: given.map(([sql]) => sql), args: given.map(([, value]) => value) };
}

type UsageGroup = "day" | "model" | "key";

export interface UsageQuery {
  from: number | null;
  to: number | null;
  keyId: string | null;
  groupBy: UsageGroup;
}

export interface UsageRow {
  day?: string;
  model?: string;
  key_id?: string;
  tasks: number;
  succeeded: number;
  failed: number;
  seconds: number;
  credits: number;
}

const GROUP_COLUMN: Record<UsageGroup, { expr: string; name: "day" | "model" | "key_id" }> = {
  day: { expr: "strftime('%Y-%m-%d', created_at, 'unixepoch')", name: "day" },
  model: { expr: "model", name: "model" },
  key: { expr: "key_id", name: "key_id" },
};

/**
 * Tasks created in [from, to), grouped. `seconds` are the seconds of video delivered (succeeded tasks); `credits` what
 * was charged, refunds deducted (a failed task's charge is 0).
 */
export async function usage(db: D1Database, q: UsageQuery): Promise<UsageRow[]> {
  const group = GROUP_COLUMN[q.groupBy];
  const { where, args } = conditions([
    ["created_at >= ?", q.from],
    ["created_at < ?", q.to],
    ["key_id = ?", q.keyId],
  ]);
  const { results } = await db
    .prepare(
      `SELECT ${group.expr} AS grp, COUNT(*) AS tasks,
         SUM(status = 'succeeded') AS succeeded, SUM(status = 'failed') AS failed,
         SUM(CASE WHEN status = 'succeeded' THEN seconds ELSE 0 END) AS seconds, SUM(charged) AS credits
       FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY grp ORDER BY grp`,
    )
    .bind(...args)
    .all<{ grp: string; tasks: number; succeeded: number; failed: number; seconds: number; credits: number }>();
  return results.map((r) => ({
    [group.name]: r.grp,
    tasks: r.tasks,
    succeeded: r.succeeded,
    failed: r.failed,
    seconds: r.seconds,
    credits: r.credits,
  }));
}

export interface TaskPageQuery {
  status: "processing" | "succeeded" | "failed" | null;
  keyId: string | null;
  limit: number;
  after: string | null;
}

/** Every key's task ids, newest first, after the cursor task; null when the cursor is no task. */
export async function taskPage(db: D1Database, q: TaskPageQuery): Promise<{ ids: string[]; hasMore: boolean } | null> {
  const { where, args } = conditions([
    ["status = ?", q.status],
    ["key_id = ?", q.keyId],
  ]);
  if (q.after !== null) {
    const cursor = await db.prepare("SELECT created_at FROM tasks WHERE id = ?").bind(q.after).first<{ created_at: number }>();
    if (!cursor) return null;
    where.push("(created_at < ? OR (created_at = ? AND id < ?))");
    args.push(cursor.created_at, cursor.created_at, q.after);
  }
  const { results } = await db
    .prepare(`SELECT id FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...args, q.limit + 1)
    .all<{ id: string }>();
  return { ids: results.slice(0, q.limit).map((r) => r.id), hasMore: results.length > q.limit };
}
