// Chaos: "never pay twice, never stuck". A real `wrangler dev` + the vendor simulator, nothing mocked: task POSTs
// spread over Kling, Vidu and Jimeng while the runtime (wrangler and workerd, one process group) is SIGKILLed every
// --kill-every seconds and restarted on the same persisted state, and the simulator, from a fixed seed, answers
// creates busy (10 %) or with a documented 5xx (5 %), performs creates but drops their answer (5 %), fails polls
// (10 %) and drops callbacks (20 %). Clients retry with the same Idempotency-Key.
//
//   npx node bench/chaos.ts                                   (150 tasks, a kill every 20 s, 5 kills, seed 42)
//   npx node bench/chaos.ts --tasks 30 --kills 2 --kill-every 15 --seed 7 --final-timeout 300 --out /tmp/c.md
//
// Every POST's prompt carries a unique marker, which is how the simulator's books (stats byPrompt, /__sim/tasks)
// attribute vendor tasks to a client request for all three vendors (Jimeng has no correlation field). The simulator
// serves each task its own MP4 (uniqueFiles), so a video delivered for the wrong task counts as wrong bytes.
// Exits 1 when a "must be 0" figure is not 0; writes the report to stdout and bench/results/chaos.md.
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { LOCAL_API_KEY, type Stack, startStack } from "../scripts/local-stack.ts";
import { JIMENG_EXAMPLE, KLING_EXAMPLE, VIDU_EXAMPLE } from "../src/api/examples.ts";
import { median, percentile, row } from "./stats.ts";

// ---- options -------------------------------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    tasks: { type: "string", default: "150" },
    "kill-every": { type: "string", default: "20" },
    kills: { type: "string", default: "5" },
    seed: { type: "string", default: "42" },
    "final-timeout": { type: "string", default: "300" },
    "sim-delay": { type: "string", default: "3" },
    out: { type: "string", default: join(import.meta.dirname, "results/chaos.md") },
    keep: { type: "boolean", default: false },
  },
});
const positive = (name: keyof typeof args): number => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0`);
  return n;
};
const TASKS = Math.max(3, Math.floor(positive("tasks")));
const KILL_EVERY_MS = positive("kill-every") * 1000;
const KILLS = Math.floor(positive("kills"));
const SEED = Math.floor(positive("seed")) >>> 0;
const FINAL_TIMEOUT_MS = positive("final-timeout") * 1000;
const SIM_DELAY_MS = positive("sim-delay") * 1000;
const OUT = args.out!;

const PORT = 18961;
const SIM_PORT = 18962;
const GATEWAY_VARS = { POLL_INTERVALS: "1s,2s,5s", TASK_DEADLINE: "10m", WATCHDOG_AFTER: "5s" };
const CHAOS = { seed: SEED, busy: 0.1, error5xx: 0.05, dropAccepted: 0.05, pollError: 0.1, dropCallback: 0.2 };
/** POSTs start spread over this share of the kill period, so tasks are in every phase at every kill. */
const SPREAD_SHARE = 0.75;
const POST_ATTEMPTS = 40;
/** Above the gateway's 30 s hold of a duplicate POST, so its answer (409 in progress) is seen rather than a timeout. */
const POST_TIMEOUT_MS = 45_000;
const DOWNLOAD_TIMEOUT_MS = 60_000;
/** Hard stop of the whole run, whatever happens. */
const RUN_LIMIT_MS = KILLS * KILL_EVERY_MS + FINAL_TIMEOUT_MS + 10 * 60_000;

const VENDORS = ["kling", "vidu", "jimeng"] as const;
type Vendor = (typeof VENDORS)[number];
const { callback_url: _webhook, ...viduMetadata } = VIDU_EXAMPLE.metadata; // its webhook host is not loopback
const TEMPLATES: Record<Vendor, { prompt: string } & Record<string, unknown>> = {
  kling: KLING_EXAMPLE,
  vidu: { ...VIDU_EXAMPLE, metadata: viduMetadata },
  jimeng: JIMENG_EXAMPLE,
};

// ---- state ---------------------------------------------------------------------------------------------------------

interface Client {
  n: number;
  vendor: Vendor;
  prompt: string;
  key: string;
  attempts: number;
  /** Why each retried attempt was retried: "network", "500", "409 idempotency_in_progress", … */
  retried: string[];
  taskId?: string;
  /** A final 4xx answer instead of a task. */
  refused?: { status: number; code: string };
  gaveUp?: boolean;
  final?: { status: string; errorCode?: string; url?: string; at: number };
}

let stack: Stack | undefined;
let persistTo: string | undefined;
/** Clients stop retrying and following at this time; Infinity until the last restart sets it. */
let followDeadline = Number.POSITIVE_INFINITY;

async function cleanup(): Promise<void> {
  const s = stack;
  stack = undefined;
  if (s) await s.stop().catch(() => undefined);
  if (persistTo && !args.keep) rmSync(persistTo, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

// ---- HTTP helpers (127.0.0.1 only) ----------------------------------------------------------------------------------

const auth = { authorization: `Bearer ${LOCAL_API_KEY}` };

async function sim<T = any>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const response = await fetch(`${stack!.simUrl}${path}`, {
    method: init.method ?? "GET",
    headers: init.json === undefined ? {} : { "content-type": "application/json" },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  if (!response.ok) throw new Error(`simulator ${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function gateway(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack!.gatewayUrl}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep null
  }
  return { status: response.status, body };
}

const sha256 = (bytes: ArrayBuffer) => createHash("sha256").update(Buffer.from(bytes)).digest("hex");

async function hashOf(url: string): Promise<string | null> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  return response.ok ? sha256(await response.arrayBuffer()) : null;
}

// ---- clients -------------------------------------------------------------------------------------------------------

function newClient(n: number): Client {
  const vendor = VENDORS[n % VENDORS.length]!;
  // The marker makes every prompt unique; it carries no [sim:…] trigger.
  const prompt = `${TEMPLATES[vendor].prompt} [chaos ${SEED}-${n}]`;
  return { n, vendor, prompt, key: `chaos-${SEED}-${n}-${Date.now()}`, attempts: 0, retried: [] };
}

/** What to do with one POST answer: a task, a final refusal, or a reason to retry. */
function classify(status: number, body: any): { taskId: string } | { refused: { status: number; code: string } } | { retry: string } {
  if (status === 200 && typeof body?.task_id === "string") return { taskId: body.task_id };
  if (status >= 500 || status === 429 || (status === 409 && body?.code === "idempotency_in_progress")) return { retry: `${status} ${body?.code ?? ""}`.trim() };
  return { refused: { status, code: String(body?.code ?? "no code") } };
}

/**
 * POSTs until a 200 or a final 4xx, the same body bytes and Idempotency-Key every time, with capped backoff; gives up
 * after POST_ATTEMPTS or at the deadline (a request still unanswered then is stuck).
 */
async function submit(client: Client): Promise<void> {
  const body = JSON.stringify({ ...TEMPLATES[client.vendor], prompt: client.prompt });
  for (let attempt = 1; attempt <= POST_ATTEMPTS && Date.now() < followDeadline; attempt++) {
    client.attempts = attempt;
    let outcome: ReturnType<typeof classify>;
    try {
      const r = await gateway("/v1/video/generations", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": client.key },
        body,
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      outcome = classify(r.status, r.body);
    } catch {
      outcome = { retry: "network" };
    }
    if ("taskId" in outcome) return void (client.taskId = outcome.taskId);
    if ("refused" in outcome) return void (client.refused = outcome.refused);
    client.retried.push(outcome.retry);
    await sleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2));
  }
  client.gaveUp = true;
}

/** Long-polls the task until it is final or the follow deadline (set after the last restart) passes. */
async function follow(client: Client): Promise<void> {
  while (Date.now() < followDeadline) {
    try {
      const { status, body } = await gateway(`/v1/video/generations/${client.taskId}?wait=20`, { signal: AbortSignal.timeout(30_000) });
      if (status === 200 && body.status !== "processing") {
        client.final = { status: body.status, errorCode: body.error?.code, url: body.url ?? undefined, at: Date.now() };
        return;
      }
      if (status !== 200) await sleep(1000);
    } catch {
      await sleep(1000); // the runtime is down or restarting
    }
  }
}

async function runClient(client: Client, startAfterMs: number): Promise<void> {
  await sleep(startAfterMs);
  await submit(client);
  if (client.taskId) await follow(client);
}

// ---- the killer ----------------------------------------------------------------------------------------------------

interface Restart {
  killedAt: number;
  /** When the restarted gateway answered again. */
  readyAt: number;
}

/** SIGKILLs the gateway's process group every KILL_EVERY_MS (counted from the run's start) and restarts it. */
async function killer(startedAt: number, log: (line: string) => void): Promise<Restart[]> {
  const restarts: Restart[] = [];
  for (let k = 1; k <= KILLS; k++) {
    await sleep(Math.max(0, startedAt + k * KILL_EVERY_MS - Date.now()));
    const killedAt = Date.now();
    await stack!.stopGateway("SIGKILL");
    await stack!.startGateway();
    attachLog(stack!.gateway, log);
    restarts.push({ killedAt, readyAt: Date.now() });
    console.error(`kill ${k}/${KILLS} at ${((killedAt - startedAt) / 1000).toFixed(1)} s; gateway back after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
  }
  return restarts;
}

function attachLog(child: Stack["gateway"], log: (line: string) => void): void {
  child.stdout?.on("data", (c: Buffer) => log(c.toString()));
  child.stderr?.on("data", (c: Buffer) => log(c.toString()));
}

// ---- the books -----------------------------------------------------------------------------------------------------

interface SimTaskView {
  vendor: Vendor;
  id: string;
  prompt: string | null;
  phase: string;
}

interface VendorStats {
  create: number;
  accepted: number;
  query: number;
  callbacks: number;
  byPrompt: Record<string, { calls: number; accepted: number }>;
  chaos: Record<string, number>;
}

interface Books {
  stats: Record<Vendor, VendorStats>;
  byPrompt: Map<string, SimTaskView[]>;
}

async function readBooks(): Promise<Books> {
  const stats = await sim<Record<Vendor, VendorStats>>("/__sim/stats");
  const { tasks } = await sim<{ tasks: SimTaskView[] }>("/__sim/tasks");
  const byPrompt = new Map<string, SimTaskView[]>();
  for (const t of tasks) if (t.prompt !== null) byPrompt.set(t.prompt, [...(byPrompt.get(t.prompt) ?? []), t]);
  return { stats, byPrompt };
}

const acceptedFor = (books: Books, c: Client) => books.stats[c.vendor].byPrompt[c.prompt]?.accepted ?? 0;

/** True when the gateway's signed url serves exactly one of the files the vendor made for this request. */
async function servesVendorBytes(books: Books, c: Client): Promise<boolean> {
  if (!c.final?.url) return false;
  const vendorTasks = (books.byPrompt.get(c.prompt) ?? []).filter((t) => t.phase === "succeeded");
  const expected = await Promise.all(vendorTasks.map((t) => hashOf(`${stack!.simUrl}/files/${t.vendor}/${encodeURIComponent(t.id)}.mp4`)));
  const served = await hashOf(c.final.url);
  return served !== null && expected.includes(served);
}

/** Every task the API key has, by listing: a task no client learned of (a retry's second task, …) shows here. */
async function listedTasks(): Promise<{ task_id: string; status: string }[]> {
  const tasks: { task_id: string; status: string }[] = [];
  for (let after = ""; ; ) {
    const { body } = await gateway(`/v1/video/generations?limit=100${after ? `&after=${after}` : ""}`);
    tasks.push(...(body.data as { task_id: string; status: string }[]));
    if (!body.has_more) return tasks;
    after = body.last_id;
  }
}

// ---- report --------------------------------------------------------------------------------------------------------

interface Figures {
  created: number;
  listed: number;
  succeeded: number;
  failedByCode: Record<string, number>;
  refusedByCode: Record<string, number>;
  doubleBilled: Client[];
  orphanBilled: number;
  stuck: Client[];
  /** Listed tasks no client got an id for that are still processing at the end. */
  stuckUnknown: string[];
  /** Requests that never got an answer to their POST (none, or only 5xx / 409 in progress) by the deadline. */
  unanswered: Client[];
  wrongBytes: Client[];
  allFinalAfterMs: number | null;
  /** For tasks that became final after the last restart: how long after it. */
  finalAfterRestartMs: number[];
}

function tally<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const show = (counts: Record<string, number>) =>
  Object.keys(counts).length === 0
    ? "none"
    : Object.entries(counts)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ");

async function figures(clients: Client[], books: Books, lastReadyAt: number): Promise<Figures> {
  const withTask = clients.filter((c) => c.taskId);
  const succeeded = withTask.filter((c) => c.final?.status === "succeeded");
  const wrong: Client[] = [];
  for (const c of succeeded) if (!(await servesVendorBytes(books, c))) wrong.push(c);
  const ourPrompts = new Set(withTask.map((c) => c.prompt));
  const orphanBilled = clients.filter((c) => !ourPrompts.has(c.prompt)).reduce((n, c) => n + acceptedFor(books, c), 0);
  const stuck = withTask.filter((c) => !c.final);
  const lastFinal = Math.max(...withTask.map((c) => c.final?.at ?? Number.NaN));
  const known = new Set(withTask.map((c) => c.taskId));
  const listed = await listedTasks();
  return {
    created: known.size,
    listed: listed.length,
    stuckUnknown: listed.filter((t) => !known.has(t.task_id) && t.status === "processing").map((t) => t.task_id),
    succeeded: succeeded.length,
    failedByCode: tally(
      withTask.filter((c) => c.final?.status === "failed"),
      (c) => c.final!.errorCode ?? "no code",
    ),
    refusedByCode: tally(
      clients.filter((c) => c.refused),
      (c) => `${c.refused!.status} ${c.refused!.code}`,
    ),
    unanswered: clients.filter((c) => c.gaveUp),
    doubleBilled: clients.filter((c) => acceptedFor(books, c) > 1),
    orphanBilled,
    stuck,
    wrongBytes: wrong,
    allFinalAfterMs:
      stuck.length === 0 && !listed.some((t) => t.status === "processing") && !clients.some((c) => c.gaveUp) && withTask.length > 0
        ? Math.max(0, lastFinal - lastReadyAt)
        : null,
    finalAfterRestartMs: withTask.filter((c) => c.final && c.final.at > lastReadyAt).map((c) => c.final!.at - lastReadyAt),
  };
}

function perVendorRows(clients: Client[], books: Books): string[] {
  return VENDORS.map((v) => {
    const mine = clients.filter((c) => c.vendor === v);
    const s = books.stats[v];
    return row([
      v,
      mine.length,
      mine.filter((c) => c.taskId).length,
      mine.filter((c) => c.final?.status === "succeeded").length,
      mine.filter((c) => c.final?.status === "failed").length,
      mine.filter((c) => acceptedFor(books, c) > 1).length,
      mine.filter((c) => (c.taskId && !c.final) || c.gaveUp).length,
      `${s.create} / ${s.accepted}`,
      show(s.chaos),
    ]);
  });
}

function report(f: Figures, clients: Client[], books: Books, restarts: Restart[], startedAt: Date): string {
  const attempts = clients.map((c) => c.attempts);
  const mustBeZero = (n: number) => (n === 0 ? "0 ✅" : `**${n}** ❌ (must be 0)`);
  const lastRestart = restarts.at(-1);
  const lines = [
    "# Chaos benchmark: never pay twice, never stuck",
    "",
    `Run ${startedAt.toISOString()}: \`npx node bench/chaos.ts --tasks ${TASKS} --kill-every ${KILL_EVERY_MS / 1000} --kills ${KILLS} --seed ${SEED}` +
      ` --final-timeout ${FINAL_TIMEOUT_MS / 1000}\` on ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}.`,
    `Gateway: \`wrangler dev\` on persisted local state, ${Object.entries(GATEWAY_VARS)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}; its process group`,
    `SIGKILLed every ${KILL_EVERY_MS / 1000} s and restarted, ${KILLS} times (restarts took ${restarts.map((r) => ((r.readyAt - r.killedAt) / 1000).toFixed(1)).join(", ")} s).`,
    `Simulator: renders in ${SIM_DELAY_MS / 1000} s, one MP4 per task; seeded chaos ${JSON.stringify(CHAOS)}.`,
    `Clients: ${TASKS} POSTs (88API examples, a unique prompt marker each) spread over the first ${Math.round(SPREAD_SHARE * 100)} % of the kill period,`,
    `each retried with the same Idempotency-Key and body on network errors, 5xx, 429 and 409 idempotency_in_progress (≤ ${POST_ATTEMPTS} attempts);`,
    `after the last restart every task is followed until final, for at most ${FINAL_TIMEOUT_MS / 1000} s.`,
    "",
    row(["figure", "value"]),
    row(["---", "---:"]),
    row(["tasks created (distinct task ids the clients got)", f.created]),
    row(["tasks the API key lists", f.listed]),
    row(["succeeded", f.succeeded]),
    row(["failed, by error code", show(f.failedByCode)]),
    row(["POSTs refused (final 4xx), by status and code", show(f.refusedByCode)]),
    row(["tasks with more than one accepted vendor task", mustBeZero(f.doubleBilled.length)]),
    row(["vendor tasks billed for a request that got no task", f.orphanBilled]),
    row([
      "tasks stuck after the last restart (clients' tasks + listed tasks no client got)",
      `${mustBeZero(f.stuck.length + f.stuckUnknown.length)} (${f.stuck.length} + ${f.stuckUnknown.length})`,
    ]),
    row(["requests stuck: POST never answered with a task or a 4xx", mustBeZero(f.unanswered.length)]),
    row(["wrong bytes served", mustBeZero(f.wrongBytes.length)]),
    row(["last restart → every task final", f.allFinalAfterMs === null ? "not reached" : `${(f.allFinalAfterMs / 1000).toFixed(1)} s`]),
    row([
      "tasks final only after the last restart: count, then seconds after it p50 / max",
      f.finalAfterRestartMs.length === 0
        ? "0"
        : `${f.finalAfterRestartMs.length}: ${(median(f.finalAfterRestartMs) / 1000).toFixed(1)} / ${(Math.max(...f.finalAfterRestartMs) / 1000).toFixed(1)}`,
    ]),
    row(["POST attempts per request: median / p95 / max", `${median(attempts)} / ${percentile(attempts, 95)} / ${Math.max(...attempts)}`]),
    row([
      "retry causes",
      show(
        tally(
          clients.flatMap((c) => c.retried),
          (r) => r,
        ),
      ),
    ]),
    "",
    row(["vendor", "requests", "tasks", "succeeded", "failed", "> 1 vendor task", "stuck (task or POST)", "vendor creates / accepted", "chaos injected"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"]),
    ...perVendorRows(clients, books),
    "",
    `Last restart: the gateway answered again ${lastRestart ? `${((lastRestart.readyAt - lastRestart.killedAt) / 1000).toFixed(1)} s after the last kill` : "(no kills)"}; "last restart → every task final" runs from that moment.`,
  ];
  const detail = (title: string, list: Client[], what: (c: Client) => string) =>
    list.length === 0
      ? []
      : ["", `${title}:`, ...list.slice(0, 20).map((c) => `- ${c.vendor} ${c.taskId ?? "(no task)"} "${c.prompt.slice(-16)}": ${what(c)}`)];
  lines.push(
    ...detail(
      "More than one vendor task",
      f.doubleBilled,
      (c) => `${acceptedFor(books, c)} accepted vendor tasks: ${(books.byPrompt.get(c.prompt) ?? []).map((t) => t.id).join(", ")}`,
    ),
    ...detail("Stuck", f.stuck, (c) => `still processing; POST retries: ${c.retried.join(", ") || "none"}`),
    ...(f.stuckUnknown.length === 0 ? [] : ["", `Listed but no client got them, still processing: ${f.stuckUnknown.slice(0, 20).join(", ")}`]),
    ...detail("POST never answered", f.unanswered, (c) => `${c.attempts} attempts: ${show(tally(c.retried, (r) => r))}`),
    ...detail("Wrong bytes", f.wrongBytes, (c) => `url ${c.final?.url ? "served other bytes" : "missing"}`),
    "",
  );
  return lines.join("\n");
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  // Loopback only: miniflare would otherwise fetch its Request.cf template from workers.cloudflare.com.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  process.env.WRANGLER_SEND_METRICS = "false";
  persistTo = mkdtempSync(join(tmpdir(), "vgw-chaos-"));
  const logFile = createWriteStream(join(persistTo, "output.log"));
  const log = (text: string) => logFile.write(text);
  stack = await startStack({ port: PORT, simPort: SIM_PORT, persistTo, vars: GATEWAY_VARS, simEnv: { SIM_DELAY_MS: String(SIM_DELAY_MS) } });
  attachLog(stack.gateway, log);
  attachLog(stack.simulator, log);
  await sim("/__sim/config", { method: "PUT", json: { uniqueFiles: true } });
  await sim("/__sim/chaos", { method: "PUT", json: CHAOS });

  const startedAt = new Date();
  const spreadMs = Math.max(1, KILLS) * KILL_EVERY_MS * SPREAD_SHARE;
  const clients = Array.from({ length: TASKS }, (_, n) => newClient(n));
  const running = clients.map((c) => runClient(c, (c.n * spreadMs) / TASKS));
  const restarts = await killer(startedAt.getTime(), log);
  const lastReadyAt = restarts.at(-1)?.readyAt ?? startedAt.getTime();
  followDeadline = Math.max(Date.now(), lastReadyAt) + FINAL_TIMEOUT_MS;
  await Promise.all(running);

  await sim("/__sim/chaos", { method: "DELETE" }); // the books and downloads below must not meet chaos
  const books = await readBooks();
  const f = await figures(clients, books, lastReadyAt);
  const text = report(f, clients, books, restarts, startedAt);
  console.log(text);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
  if (args.keep) console.error(`state and output kept in ${persistTo}`);
  return f.doubleBilled.length + f.stuck.length + f.stuckUnknown.length + f.unanswered.length + f.wrongBytes.length === 0 ? 0 : 1;
}

const hardStop = setTimeout(() => {
  console.error(`chaos benchmark: hard limit of ${RUN_LIMIT_MS / 1000} s reached`);
  void cleanup().finally(() => process.exit(2));
}, RUN_LIMIT_MS);
hardStop.unref();

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err);
  process.exitCode = 2;
} finally {
  await cleanup();
}
