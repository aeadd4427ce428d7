// Seeded random chaos, beside the queued faults of faults.ts: each create, query and callback attempt rolls a die
// from a fixed seed, so a benchmark meets busy vendors, 5xx errors, lost answers and lost callbacks at rates it
// chooses, and the same seed gives the same sequence of decisions. Every answer is the vendor's own documented one.

import type { ServerResponse } from "node:http";
import type { Sim, Vendor, VendorProtocol } from "./core.ts";
import { takeFault } from "./faults.ts";
import { sendJson } from "./http.ts";
import { isObject } from "./validate.ts";

export interface ChaosConfig {
  /** Unsigned 32-bit seed of the dice. */
  seed: number;
  /** Probability that a create gets the vendor's busy / rate-limit answer (429). */
  busy: number;
  /** Probability that a create gets the vendor's documented 5xx error. */
  error5xx: number;
  /** Probability that an accepted create (the task exists and bills) has its answer dropped: the socket is destroyed. */
  dropAccepted: number;
  /** Probability that a status query (get or list) gets the vendor's documented 5xx error. */
  pollError: number;
  /** Probability that one callback delivery attempt is dropped (recorded with status 0, like a failed delivery). */
  dropCallback: number;
}

export type ChaosKind = "busy" | "error5xx" | "dropAccepted" | "pollError" | "dropCallback";
const CHAOS_KINDS: readonly ChaosKind[] = ["busy", "error5xx", "dropAccepted", "pollError", "dropCallback"];

export interface Chaos {
  config: ChaosConfig;
  /** One stream per operation, so e.g. a burst of callbacks does not shift the creates' decisions. */
  dice: Record<"create" | "query" | "callback", () => number>;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createChaos(config: ChaosConfig): Chaos {
  const stream = (n: number) => mulberry32((config.seed + n * 0x9e3779b9) >>> 0);
  return { config, dice: { create: stream(1), query: stream(2), callback: stream(3) } };
}

/** Validates `PUT /__sim/chaos`; returns an error message or the config (missing probabilities are 0). */
export function parseChaos(input: unknown): ChaosConfig | string {
  if (!isObject(input)) return "chaos must be a JSON object";
  for (const key of Object.keys(input)) {
    if (key !== "seed" && !CHAOS_KINDS.includes(key as ChaosKind)) return `unknown chaos key ${key}`;
  }
  const seed = input.seed;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return "seed must be an integer from 0 to 4294967295";
  const config: ChaosConfig = { seed, busy: 0, error5xx: 0, dropAccepted: 0, pollError: 0, dropCallback: 0 };
  for (const kind of CHAOS_KINDS) {
    const p = input[kind] ?? 0;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) return `${kind} must be a probability from 0 to 1`;
    config[kind] = p;
  }
  if (config.busy + config.error5xx + config.dropAccepted > 1) return "busy + error5xx + dropAccepted must not exceed 1 (one outcome per create)";
  return config;
}

function count(sim: Sim, vendor: Vendor, kind: ChaosKind): void {
  sim.stats[vendor].chaos[kind]++;
}

export type CreateChaos = "answered" | "drop" | "none";

/**
 * A queued `drop` fault, else the create die. A busy or 5xx outcome is answered here ("answered": the create must
 * stop, nothing is billed); "drop" means: perform the create, then call dropAnswer instead of answering.
 */
export function chaosOnCreate(sim: Sim, proto: VendorProtocol, res: ServerResponse): CreateChaos {
  if (takeFault(sim, proto.vendor, "create", true)) return "drop";
  if (!sim.chaos) return "none";
  const { config, dice } = sim.chaos;
  const r = dice.create();
  if (r < config.busy) {
    const answers = proto.busyAnswers();
    const pick = answers[Math.floor(dice.create() * answers.length)]!;
    count(sim, proto.vendor, "busy");
    sendJson(res, 429, pick);
    return "answered";
  }
  if (r < config.busy + config.error5xx) {
    count(sim, proto.vendor, "error5xx");
    sendJson(res, 500, proto.faultBody(500));
    return "answered";
  }
  return r < config.busy + config.error5xx + config.dropAccepted ? "drop" : "none";
}

/** The accepted create's answer is lost on the way: the client sees its connection reset, never a status. */
export function dropAnswer(sim: Sim, vendor: Vendor, res: ServerResponse): void {
  count(sim, vendor, "dropAccepted");
  res.destroy();
}

/** True when the query was answered with the vendor's documented 5xx. */
export function chaosOnQuery(sim: Sim, proto: VendorProtocol, res: ServerResponse): boolean {
  if (!sim.chaos || sim.chaos.dice.query() >= sim.chaos.config.pollError) return false;
  count(sim, proto.vendor, "pollError");
  sendJson(res, 500, proto.faultBody(500));
  return true;
}

/** True when this callback delivery attempt is to be dropped. */
export function chaosDropsCallback(sim: Sim, vendor: Vendor): boolean {
  if (!sim.chaos || sim.chaos.dice.callback() >= sim.chaos.config.dropCallback) return false;
  count(sim, vendor, "dropCallback");
  return true;
}
