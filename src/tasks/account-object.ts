import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

/** How long an account that answered busy is tried after the others (it is still tried: busy is not a fault). */
const BUSY_FOR_MS = 15_000;

/** `ok`, `busy` (answered busy lately: tried after the others) or `benched` (credit or authentication failure). */
type AccountHealth = "ok" | "busy" | "benched";

/** What one submission to an account came to, as the AccountObject counts it. */
export type AccountEvent = { kind: "accepted" } | { kind: "refused"; why: "busy" | "credit" | "auth" | "account"; code: string; message: string };

interface AccountState {
  accepted: number;
  refused: number;
  picked_ms: number;
  busy_until_ms: number;
  benched_until_ms: number;
  last_error: { code: string; message: string; at: number } | null;
}

/** One account as the operator sees it (GET /v1/admin/accounts): never its credentials, which this object never holds. */
export interface AccountView {
  name: string;
  health: AccountHealth;
  last_error: AccountState["last_error"];
  accepted: number;
  refused: number;
  /** Unix seconds when a benched account is tried first again; null unless benched. */
  benched_until: number | null;
}

const fresh = (): AccountState => ({ accepted: 0, refused: 0, picked_ms: 0, busy_until_ms: 0, benched_until_ms: 0, last_error: null });

function healthOf(state: AccountState, nowMs: number): AccountHealth {
  if (state.benched_until_ms > nowMs) return "benched";
  return state.busy_until_ms > nowMs ? "busy" : "ok";
}

/**
 * The health of one vendor's accounts (one object per vendor, named by it), shared by every isolate and kept across
 * restarts: which account a new task goes to first, and what each account's submissions came to. It holds names and
 * counters only; the credentials stay in the configuration, so the account list is always the configured one.
 */
export class AccountObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS account (name TEXT PRIMARY KEY, data TEXT NOT NULL)");
  }

  private load(name: string): AccountState {
    const row = this.ctx.storage.sql.exec<{ data: string }>("SELECT data FROM account WHERE name = ?", name).toArray()[0];
    return row ? { ...fresh(), ...(JSON.parse(row.data) as Partial<AccountState>) } : fresh();
  }

  private store(name: string, state: AccountState): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO account (name, data) VALUES (?, ?)", name, JSON.stringify(state));
  }

  /**
   * The order in which a new task tries the configured accounts `names`: healthy ones first, the one picked longest
   * ago leading (so new tasks spread evenly), then busy ones, then benched ones (a last resort: with every account
   * benched, asking again is how a topped-up account is found). The leader is marked picked.
   */
  async order(names: string[], nowMs = Date.now()): Promise<string[]> {
    const rank = (state: AccountState): [number, number] => {
      const health = healthOf(state, nowMs);
      if (health === "ok") return [0, state.picked_ms];
      return health === "busy" ? [1, state.busy_until_ms] : [2, state.benched_until_ms];
    };
    const ranked = names
      .map((name, index) => ({ name, index, state: this.load(name) }))
      .map((r) => ({ ...r, key: rank(r.state) }))
      .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.index - b.index);
    const first = ranked[0];
    // Strictly later than any earlier pick, even within one millisecond, so a burst of tasks goes round the accounts.
    const stamp = Math.max(nowMs, ...ranked.map((r) => r.state.picked_ms + 1));
    if (first) this.store(first.name, { ...first.state, picked_ms: stamp });
    return ranked.map((r) => r.name);
  }

  /** Counts a submission's outcome; a credit or authentication failure benches the account for `cooldownMs`. */
  async report(name: string, event: AccountEvent, cooldownMs: number, nowMs = Date.now()): Promise<void> {
    const state = this.load(name);
    if (event.kind === "accepted") {
      // An accepted task proves the account works: whatever benched it is over.
      this.store(name, { ...state, accepted: state.accepted + 1, busy_until_ms: 0, benched_until_ms: 0 });
      return;
    }
    const bench = event.why === "credit" || event.why === "auth";
    this.store(name, {
      ...state,
      refused: state.refused + 1,
      busy_until_ms: event.why === "busy" ? nowMs + BUSY_FOR_MS : state.busy_until_ms,
      benched_until_ms: bench ? nowMs + cooldownMs : state.benched_until_ms,
      last_error: { code: event.code, message: event.message, at: Math.floor(nowMs / 1000) },
    });
  }

  /** The configured accounts `names` as the operator sees them. */
  async view(names: string[], nowMs = Date.now()): Promise<AccountView[]> {
    return names.map((name) => {
      const state = this.load(name);
      const health = healthOf(state, nowMs);
      return {
        name,
        health,
        last_error: state.last_error,
        accepted: state.accepted,
        refused: state.refused,
        benched_until: health === "benched" ? Math.ceil(state.benched_until_ms / 1000) : null,
      };
    });
  }
}
