-- The key registry and the usage ledger (docs/ARCHITECTURE.md, "Money"). Balances are not here: each key's KeyObject
-- holds its own and writes every money event to this ledger through an outbox, each entry keyed so a replay is a no-op.

-- Keys made by the admin routes; the key itself is never stored, only its SHA-256.
CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  -- null: the deployment's RATE_LIMIT_PER_MINUTE / MAX_CONCURRENT_TASKS
  rate_limit_per_minute INTEGER,
  max_concurrent_tasks INTEGER,
  -- JSON array of model ids; null: every model
  models TEXT,
  expires_at INTEGER,
  disabled INTEGER NOT NULL DEFAULT 0,
  -- 0: unmetered (created with "credits": null)
  metered INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX keys_by_time ON keys (created_at DESC, id DESC);

-- One row per task of any key (static keys too): what the operator's usage and task list are read from.
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  model TEXT NOT NULL,
  resolution TEXT NOT NULL,
  seconds INTEGER NOT NULL,
  -- the price fixed at creation
  price INTEGER NOT NULL,
  -- processing | succeeded | failed
  status TEXT NOT NULL,
  -- credits charged: the price once succeeded, else 0
  charged INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX tasks_by_time ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_by_key ON tasks (key_id, created_at DESC, id DESC);

-- Every money event: top-ups (and debits), and per task its reservation, then its charge or its refund.
-- id: "<task id>:reserve|charge|refund" or "<key id>:credit:<idempotency key>", so writing one twice changes nothing.
CREATE TABLE ledger (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  task_id TEXT,
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  note TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX ledger_by_key ON ledger (key_id, created_at);
