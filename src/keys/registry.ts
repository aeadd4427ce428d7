/**
 * The key registry in D1: the keys the admin routes make (the source of truth for who a key is and what it may do;
 * its money lives in its KeyObject). Only the SHA-256 of a key is stored.
 */

export interface ManagedKey {
  id: string;
  digest: string;
  label: string;
  /** null: the deployment's RATE_LIMIT_PER_MINUTE / MAX_CONCURRENT_TASKS. */
  rate_limit_per_minute: number | null;
  max_concurrent_tasks: number | null;
  /** The models the key may use; null: all. */
  models: string[] | null;
  expires_at: number | null;
  disabled: boolean;
  /** Created with `credits: null`: never runs out. */
  metered: boolean;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** What PATCH may change. */
export type KeyChanges = Partial<Pick<ManagedKey, "label" | "rate_limit_per_minute" | "max_concurrent_tasks" | "models" | "expires_at" | "disabled">>;

type Row = Omit<ManagedKey, "models" | "disabled" | "metered"> & { models: string | null; disabled: number; metered: number };

const fromRow = (row: Row): ManagedKey => ({
  ...row,
  models: row.models === null ? null : (JSON.parse(row.models) as string[]),
  disabled: row.disabled === 1,
  metered: row.metered === 1,
});

const COLUMNS = "id, digest, label, rate_limit_per_minute, max_concurrent_tasks, models, expires_at, disabled, metered, created_at, last_used_at, revoked_at";

export async function insertKey(db: D1Database, key: ManagedKey): Promise<void> {
  await db
    .prepare(`INSERT INTO keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .bind(
      key.id,
      key.digest,
      key.label,
      key.rate_limit_per_minute,
      key.max_concurrent_tasks,
      key.models === null ? null : JSON.stringify(key.models),
      key.expires_at,
      key.disabled ? 1 : 0,
      key.metered ? 1 : 0,
      key.created_at,
      key.last_used_at,
      key.revoked_at,
    )
    .run();
}

/** A key that has not been revoked; null otherwise. */
export async function getKey(db: D1Database, id: string): Promise<ManagedKey | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM keys WHERE id = ? AND revoked_at IS NULL`).bind(id).first<Row>();
  return row ? fromRow(row) : null;
}

/** The key with this digest, revoked or not (the caller decides what a revoked key gets). */
export async function findByDigest(db: D1Database, digest: string): Promise<ManagedKey | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM keys WHERE digest = ?`).bind(digest).first<Row>();
  return row ? fromRow(row) : null;
}

/** Keys not revoked, newest first, after the cursor key; null when the cursor is no such key. */
export async function listKeys(db: D1Database, limit: number, after: string | null): Promise<{ keys: ManagedKey[]; hasMore: boolean } | null> {
  let rows: Row[];
  if (after !== null) {
    const cursor = await db.prepare("SELECT created_at FROM keys WHERE id = ? AND revoked_at IS NULL").bind(after).first<{ created_at: number }>();
    if (!cursor) return null;
    rows = (
      await db
        .prepare(
          `SELECT ${COLUMNS} FROM keys WHERE revoked_at IS NULL AND (created_at < ? OR (created_at = ? AND id < ?))
           ORDER BY created_at DESC, id DESC LIMIT ?`,
        )
        .bind(cursor.created_at, cursor.created_at, after, limit + 1)
        .all<Row>()
    ).results;
  } else {
    rows = (
      await db
        .prepare(`SELECT ${COLUMNS} FROM keys WHERE revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?`)
        .bind(limit + 1)
        .all<Row>()
    ).results;
  }
  return { keys: rows.slice(0, limit).map(fromRow), hasMore: rows.length > limit };
}

/** Applies the changes to a key not revoked; null when there is none. */
export async function updateKey(db: D1Database, id: string, changes: KeyChanges): Promise<ManagedKey | null> {
  const entries = Object.entries(changes).map(([name, value]): [string, unknown] => [
    name,
    name === "models" && value !== null ? JSON.stringify(value) : name === "disabled" ? (value ? 1 : 0) : value,
  ]);
  if (entries.length > 0) {
    // Column names come from the validated body's own keys, never from free text.
    await db
      .prepare(`UPDATE keys SET ${entries.map(([name]) => `${name} = ?`).join(", ")} WHERE id = ? AND revoked_at IS NULL`)
      .bind(...entries.map(([, value]) => value), id)
      .run();
  }
  return getKey(db, id);
}

/** Revokes a key; false when there was no such key (or it was revoked already). */
export async function revokeKey(db: D1Database, id: string, nowS: number): Promise<boolean> {
  const result = await db.prepare("UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").bind(nowS, id).run();
  return result.meta.changes > 0;
}

export async function touchKey(db: D1Database, id: string, nowS: number): Promise<void> {
  await db.prepare("UPDATE keys SET last_used_at = ? WHERE id = ?").bind(nowS, id).run();
}
