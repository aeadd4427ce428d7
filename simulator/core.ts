// Vendor-neutral heart of the simulator: the task store, the state timers every vendor shares, prompt
// triggers, stats and media URLs. Vendor modules only translate these generic tasks to their wire format.

import { createHmac, randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type SimAccount, simAccounts } from "./accounts.ts";
import { deliverCallback } from "./callbacks.ts";
import type { Chaos, ChaosKind } from "./chaos.ts";
import type { SimRequest } from "./http.ts";

export type Vendor = "kling" | "vidu" | "jimeng" | "ark";
export const VENDORS: readonly Vendor[] = ["kling", "vidu", "jimeng", "ark"];

/** Generic lifecycle; each vendor names these phases its own way (Kling folds created+queued into "submitted"). */
export type Phase = "created" | "queued" | "running" | "succeeded" | "failed";
export type FaultOp = "create" | "query" | "download" | "callback";
export type VideoVariant = "normal" | "moov-at-end" | "html" | "truncated";
export const VIDEO_VARIANTS: readonly VideoVariant[] = ["normal", "moov-at-end", "html", "truncated"];

export interface Credentials {
  KLING_ACCESS_KEY: string;
  KLING_SECRET_KEY: string;
  VIDU_API_KEY: string;
  VOLC_ACCESS_KEY_ID: string;
  VOLC_SECRET_ACCESS_KEY: string;
  ARK_API_KEY: string;
}

export interface SimConfig {
  /** Time from create to the final state; running starts at delayMs/3, queueing at delayMs/6. */
  delayMs: number;
  callbacks: boolean;
  /** Latency added before every callback delivery attempt. */
  callbackDelayMs: number;
  /** Wait between Vidu's retries of a failed final-state delivery. */
  callbackRetryDelayMs: number;
  video: VideoVariant;
  chunked: boolean;
  /**
   * When set, the MP4 is a synthetic one of exactly this many bytes (the sample's moov and frames, then generated
   * filler inside mdat), streamed in constant memory; null serves the sample itself.
   */
  sizeBytes: number | null;
  /** When set, media URLs carry an expiry and a signature; an expired one gets 403. */
  urlTtlMs: number | null;
  /** Per-vendor limit of unfinished tasks; creates beyond it get the vendor's busy answer. */
  maxConcurrent: number | null;
  /** Decode base64 input images and enforce the vendors' size/ratio limits. */
  checkImages: boolean;
  /**
   * Each task's MP4 ends with a `free` box naming its vendor task id, so every task's file is distinct (as a real
   * vendor's are) and a video served for the wrong task is detectable. Off: every task serves the sample as is.
   */
  uniqueFiles: boolean;
}

export interface FileOptions {
  video?: VideoVariant;
  chunked?: boolean;
  sizeBytes?: number | null;
  urlTtlMs?: number | null;
}

export interface Failure {
  /** Vendor-specific failure code (Vidu err_code, Jimeng business code). */
  code?: string;
  message: string;
}

interface CallbackDelivery {
  at: number;
  state: string;
  attempt: number;
  /** HTTP status of the receiver's answer; 0 when the connection failed or the delivery was dropped. */
  status: number;
  error?: string;
}

export interface SimTask {
  vendor: Vendor;
  id: string;
  /** The account that created it: only that account's key sees it. */
  account: string;
  externalId?: string;
  /** Kling family, Vidu endpoint, Jimeng req_key or Ark scenario. */
  kind: string;
  phase: Phase;
  createdAt: number;
  updatedAt: number;
  doneAt?: number;
  callbackUrl?: string;
  callbacks: CallbackDelivery[];
  failure?: Failure;
  /** Failure to apply when the timers finish the task ([sim:fail]). */
  plannedFailure?: Failure;
  never: boolean;
  /** The create body as received; vendors echo parts of it. */
  request: Record<string, unknown>;
  /** Vendor-specific values decided at create time (seed, credits, …). */
  extra: Record<string, unknown>;
  files: FileOptions;
  timers: NodeJS.Timeout[];
  lastState: string;
}

export interface Fault {
  vendor?: Vendor;
  op: FaultOp;
  times: number;
  status?: number;
  body?: unknown;
  raw?: string;
  delayMs?: number;
  /** op create only: the create is performed (and billed), then its answer is lost (the connection is reset). */
  drop?: boolean;
}

export interface CallbackSpec {
  /** Vendor states that trigger a delivery. */
  states: readonly string[];
  /** States whose failed deliveries are retried, and how many times. */
  retried: readonly string[];
  retries: number;
  body(sim: Sim, task: SimTask): unknown;
  /** Extra headers per attempt (Vidu signs each one afresh, with the key of the task's account). */
  headers(sim: Sim, url: string, task: SimTask): Record<string, string>;
}

export interface VendorProtocol {
  vendor: Vendor;
  /** Answers the request if it is this vendor's; false lets the next protocol try. */
  handle(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean>;
  state(task: SimTask): string;
  /** Error body for a queued fault that gives only a status (and for chaos 5xx answers). */
  faultBody(status: number): unknown;
  /** The vendor's documented busy / rate-limit answers (HTTP 429), fresh bodies on each call. */
  busyAnswers(): unknown[];
  /** What [sim:fail] and a bare `complete {outcome:"failed"}` produce. */
  policyFailure: Failure;
  genericFailure: Failure;
  callback?: CallbackSpec;
}

interface VendorStats {
  create: number;
  accepted: number;
  query: number;
  list: number;
  cancel: number;
  unauthorized: number;
  download: number;
  callbacks: number;
  /** Kling external_task_id / Vidu payload → create calls and accepted creates carrying it. */
  byExternalId: Record<string, { calls: number; accepted: number }>;
  /** Exact prompt text → create calls and accepted creates carrying it (Jimeng has no correlation field). */
  byPrompt: Record<string, { calls: number; accepted: number }>;
  /** Account name → authenticated create calls and accepted creates. */
  byAccount: Record<string, { calls: number; accepted: number }>;
  /** Seeded chaos outcomes injected (chaos.ts). */
  chaos: Record<ChaosKind, number>;
}

export interface Sim {
  publicUrl: string;
  credentials: Credentials;
  /** Every vendor's accounts (accounts.ts), each with its state. */
  accounts: SimAccount[];
  defaults: SimConfig;
  config: SimConfig;
  tasks: Map<string, SimTask>;
  faults: Fault[];
  stats: Record<Vendor, VendorStats>;
  busySeen: Set<string>;
  /** Seeded random chaos; null (the default) injects nothing. */
  chaos: Chaos | null;
  protocols: Map<Vendor, VendorProtocol>;
  /** Cancels in-flight callback timers/requests on reset and close. */
  pending: Set<() => void>;
  urlSecret: Buffer;
}

export function createSim(init: { publicUrl: string; credentials: Credentials; config: SimConfig; protocols: VendorProtocol[] }): Sim {
  return {
    publicUrl: init.publicUrl,
    credentials: init.credentials,
    accounts: simAccounts(init.credentials),
    defaults: { ...init.config },
    config: { ...init.config },
    tasks: new Map(),
    faults: [],
    stats: freshStats(),
    busySeen: new Set(),
    chaos: null,
    protocols: new Map(init.protocols.map((p) => [p.vendor, p])),
    pending: new Set(),
    urlSecret: randomBytes(16),
  };
}

function freshStats(): Record<Vendor, VendorStats> {
  const one = (): VendorStats => ({
    create: 0,
    accepted: 0,
    query: 0,
    list: 0,
    cancel: 0,
    unauthorized: 0,
    download: 0,
    callbacks: 0,
    byExternalId: {},
    byPrompt: {},
    byAccount: {},
    chaos: { busy: 0, error5xx: 0, dropAccepted: 0, pollError: 0, dropCallback: 0 },
  });
  return { kling: one(), vidu: one(), jimeng: one(), ark: one() };
}

export function resetSim(sim: Sim): void {
  for (const task of sim.tasks.values()) clearTimers(task);
  for (const cancel of [...sim.pending]) cancel();
  sim.pending.clear();
  sim.tasks.clear();
  sim.faults = [];
  sim.config = { ...sim.defaults };
  sim.stats = freshStats();
  sim.busySeen.clear();
  sim.chaos = null;
  for (const account of sim.accounts) account.state = "ok";
}

export function protocol(sim: Sim, vendor: Vendor): VendorProtocol {
  const p = sim.protocols.get(vendor);
  if (!p) throw new Error(`no protocol for ${vendor}`);
  return p;
}

// ---- prompt triggers -------------------------------------------------------------------------

export type Trigger = "fail" | "refuse" | "busy" | "never" | "moov-at-end" | "html" | "truncated" | "chunked";

export function triggersOf(prompt: unknown): Set<Trigger> {
  const out = new Set<Trigger>();
  if (typeof prompt !== "string") return out;
  for (const m of prompt.matchAll(/\[sim:([a-z-]+)\]/g)) out.add(m[1] as Trigger);
  return out;
}

/** [sim:busy] answers busy only to the first create carrying that exact prompt, so a retry gets through. */
export function firstBusy(sim: Sim, vendor: Vendor, prompt: unknown): boolean {
  if (!triggersOf(prompt).has("busy")) return false;
  const key = `${vendor}\n${String(prompt)}`;
  if (sim.busySeen.has(key)) return false;
  sim.busySeen.add(key);
  return true;
}

export function atCapacity(sim: Sim, vendor: Vendor): boolean {
  const max = sim.config.maxConcurrent;
  if (max === null) return false;
  let active = 0;
  for (const t of sim.tasks.values()) if (t.vendor === vendor && !isFinal(t.phase)) active++;
  return active >= max;
}

// ---- stats --------------------------------------------------------------------------------------

/** What a create carries that lets a caller find out later whether it was billed. */
export interface CreateKeys {
  /** The calling account's name. */
  account: string;
  externalId?: string;
  prompt?: unknown;
}

/** Counts one authenticated create call; call accept() once the vendor has taken the task. */
export function beginCreate(sim: Sim, vendor: Vendor, keys: CreateKeys): { accept(): void } {
  const s = sim.stats[vendor];
  s.create++;
  const counters = [
    (s.byAccount[keys.account] ??= { calls: 0, accepted: 0 }),
    keys.externalId !== undefined ? (s.byExternalId[keys.externalId] ??= { calls: 0, accepted: 0 }) : undefined,
    typeof keys.prompt === "string" ? (s.byPrompt[keys.prompt] ??= { calls: 0, accepted: 0 }) : undefined,
  ].filter((c) => c !== undefined);
  for (const c of counters) c.calls++;
  return {
    accept() {
      s.accepted++;
      for (const c of counters) c.accepted++;
    },
  };
}

// ---- task lifecycle -------------------------------------------------------------------------

export function isFinal(phase: Phase): boolean {
  return phase === "succeeded" || phase === "failed";
}

export interface NewTask {
  id: string;
  account: string;
  kind: string;
  prompt?: unknown;
  externalId?: string;
  callbackUrl?: string;
  request: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export function addTask(sim: Sim, vendor: Vendor, init: NewTask): SimTask {
  const now = Date.now();
  const triggers = triggersOf(init.prompt);
  const files: FileOptions = {};
  for (const v of ["moov-at-end", "html", "truncated"] as const) if (triggers.has(v)) files.video = v;
  if (triggers.has("chunked")) files.chunked = true;
  const proto = protocol(sim, vendor);
  const task: SimTask = {
    vendor,
    id: init.id,
    account: init.account,
    externalId: init.externalId,
    kind: init.kind,
    phase: "created",
    createdAt: now,
    updatedAt: now,
    callbackUrl: init.callbackUrl,
    callbacks: [],
    plannedFailure: triggers.has("fail") ? proto.policyFailure : undefined,
    never: triggers.has("never"),
    request: init.request,
    extra: init.extra ?? {},
    files,
    timers: [],
    lastState: "",
  };
  task.lastState = proto.state(task);
  sim.tasks.set(task.id, task);
  schedule(sim, task);
  return task;
}

function schedule(sim: Sim, task: SimTask): void {
  const d = Math.max(0, sim.config.delayMs);
  const at = (ms: number, fn: () => void) => task.timers.push(setTimeout(fn, ms));
  at(d / 6, () => setPhase(sim, task, "queued"));
  at(d / 3, () => setPhase(sim, task, "running"));
  if (!task.never) at(d, () => finish(sim, task, task.plannedFailure));
}

function clearTimers(task: SimTask): void {
  for (const t of task.timers) clearTimeout(t);
  task.timers = [];
}

/** Ends a task now (timers, the control API, Vidu cancel); a no-op on a task already final. */
export function finish(sim: Sim, task: SimTask, failure?: Failure): void {
  if (isFinal(task.phase)) return;
  clearTimers(task);
  task.failure = failure;
  setPhase(sim, task, failure ? "failed" : "succeeded");
}

function setPhase(sim: Sim, task: SimTask, phase: Phase): void {
  if (isFinal(task.phase)) return;
  const now = Date.now();
  task.phase = phase;
  task.updatedAt = now;
  if (isFinal(phase)) task.doneAt = now;
  const proto = protocol(sim, task.vendor);
  const state = proto.state(task);
  if (state === task.lastState) return;
  task.lastState = state;
  const cb = proto.callback;
  if (cb && task.callbackUrl && sim.config.callbacks && cb.states.includes(state)) {
    deliverCallback(sim, task, state, cb.body(sim, task), cb);
  }
}

// ---- media URLs -----------------------------------------------------------------------------

export function effectiveFiles(sim: Sim, task: SimTask): Required<FileOptions> {
  return {
    video: task.files.video ?? sim.config.video,
    chunked: task.files.chunked ?? sim.config.chunked,
    sizeBytes: task.files.sizeBytes !== undefined ? task.files.sizeBytes : sim.config.sizeBytes,
    urlTtlMs: task.files.urlTtlMs !== undefined ? task.files.urlTtlMs : sim.config.urlTtlMs,
  };
}

export function urlSignature(sim: Sim, path: string, expires: string): string {
  return createHmac("sha256", sim.urlSecret).update(`${path}\n${expires}`).digest("base64url").slice(0, 22);
}

/** A fresh media URL on every call, so a re-query after expiry hands out a working one. */
export function mediaUrl(sim: Sim, task: SimTask, ext: "mp4" | "jpg"): string {
  const path = `/files/${task.vendor}/${task.id}.${ext}`;
  const ttl = effectiveFiles(sim, task).urlTtlMs;
  if (ttl === null) return sim.publicUrl + path;
  const expires = String(Date.now() + ttl);
  return `${sim.publicUrl}${path}?expires=${expires}&signature=${urlSignature(sim, path, expires)}`;
}
