// Property: any interleaving of reservations, charges, refunds, withdrawals, top-ups, debits and replays of any of
// them, sent to a real KeyObject, keeps balance ≥ reserved ≥ 0 and balance = top-ups − charges, both in the KeyObject
// and in the D1 ledger its outbox writes (the two records agree), and matches the rules of API.md §8 step by step.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

type Op =
  | { kind: "reserve"; task: number; price: number }
  | { kind: "settle"; task: number; outcome: "succeeded" | "failed" }
  | { kind: "release"; task: number }
  | { kind: "credit"; id: number; amount: number };

const TASKS = 5;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("reserve" as const), task: fc.nat(TASKS - 1), price: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ kind: fc.constant("settle" as const), task: fc.nat(TASKS - 1), outcome: fc.constantFrom("succeeded" as const, "failed" as const) }),
  fc.record({ kind: fc.constant("release" as const), task: fc.nat(TASKS - 1) }),
  fc.record({ kind: fc.constant("credit" as const), id: fc.nat(4), amount: fc.integer({ min: -300, max: 500 }).filter((n) => n !== 0) }),
);
/** A run: an opening balance, then operations, each possibly sent again at once (a replay after a lost answer). */
const run = fc.record({ opening: fc.integer({ min: 0, max: 1000 }), ops: fc.array(fc.tuple(op, fc.boolean()), { maxLength: 30 }) });

/** The rules, as a plain model: what each operation should do to a key's books. */
class Model {
  balance: number;
  states = new Map<string, { price: number; state: "reserved" | "charged" | "refunded" }>();
  credits = new Map<string, number>();
  constructor(opening: number) {
    this.balance = opening;
  }
  get reserved() {
    return [...this.states.values()].filter((s) => s.state === "reserved").reduce((n, s) => n + s.price, 0);
  }
  apply(o: Op, keyId: string) {
    const task = `${keyId}-t${"task" in o ? o.task : 0}`;
    if (o.kind === "reserve" && !this.states.has(task) && this.balance - this.reserved >= o.price) this.states.set(task, { price: o.price, state: "reserved" });
    if (o.kind === "settle" && this.states.get(task)?.state === "reserved") {
      const s = this.states.get(task)!;
      s.state = o.outcome === "succeeded" ? "charged" : "refunded";
      if (s.state === "charged") this.balance -= s.price;
    }
    if (o.kind === "release" && this.states.get(task)?.state === "reserved") this.states.delete(task);
    if (o.kind === "credit") {
      const id = `c${o.id}:${o.amount}`; // the same id with another amount is refused, as a different body
      const sameId = [...this.credits.keys()].some((k) => k.startsWith(`c${o.id}:`));
      if (!sameId && this.balance + o.amount >= this.reserved) {
        this.credits.set(id, o.amount);
        this.balance += o.amount;
      }
    }
  }
}

async function send(keys: DurableObjectStub<import("../../src/keys/key-object.ts").KeyObject>, keyId: string, o: Op): Promise<void> {
  const task = `${keyId}-t${"task" in o ? o.task : 0}`;
  if (o.kind === "reserve") await keys.addTask(task, Date.now(), { keyId, model: "kling-v1", resolution: "720p", seconds: 5, price: o.price });
  if (o.kind === "settle") await keys.finished(task, o.outcome);
  if (o.kind === "release") await keys.release(task);
  if (o.kind === "credit") await keys.credit(keyId, `c${o.id}`, o.amount, null, String(o.amount));
}

describe("the ledger", () => {
  it("keeps balance ≥ reserved ≥ 0 and balance = top-ups − charges under any interleaving and replay", async () => {
    await fc.assert(
      fc.asyncProperty(run, async ({ opening, ops }) => {
        const keyId = `key_prop${crypto.randomUUID().replaceAll("-", "")}`;
        const keys = env.KEYS.getByName(keyId);
        await keys.openAccount(keyId, opening);
        const model = new Model(opening);
        for (const [o, replay] of ops) {
          // A replay is the same request again; when two copies race, the KeyObject serializes them.
          await (replay ? Promise.all([send(keys, keyId, o), send(keys, keyId, o)]) : send(keys, keyId, o));
          model.apply(o, keyId);
          const credits = await keys.credits();
          expect(credits).toEqual({ balance: model.balance, reserved: model.reserved });
          expect(credits.balance).toBeGreaterThanOrEqual(credits.reserved);
          expect(credits.reserved).toBeGreaterThanOrEqual(0);
        }

        // The D1 ledger, written through the outbox, tells the same story.
        await keys.flush();
        const sum = async (sql: string) => ((await env.DB.prepare(sql).bind(keyId).first<{ n: number | null }>())?.n ?? 0) as number;
        const topUps = await sum("SELECT SUM(amount) AS n FROM ledger WHERE key_id = ? AND kind = 'credit'");
        const charges = await sum("SELECT SUM(amount) AS n FROM ledger WHERE key_id = ? AND kind = 'charge'");
        const open = await sum(
          `SELECT SUM(amount) AS n FROM ledger r WHERE key_id = ? AND kind = 'reserve'
             AND NOT EXISTS (SELECT 1 FROM ledger s WHERE s.task_id = r.task_id AND s.kind IN ('charge', 'refund'))`,
        );
        expect(topUps - charges).toBe(model.balance);
        expect(open).toBe(model.reserved);
        const charged = await sum("SELECT SUM(charged) AS n FROM tasks WHERE key_id = ?");
        expect(charged).toBe(charges);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
