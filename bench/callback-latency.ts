// Callback vs poll-only latency of Vidu tasks: the time from the vendor (simulator) marking a task done to the
// gateway first reporting it `succeeded`, measured against `wrangler dev` + the simulator in one run.
//
//   npx node bench/callback-latency.ts            (N=20 tasks per mode; N=40 npx node bench/callback-latency.ts)
//
// Polls are set long (POLL_INTERVALS=10s) so that a callback, when the mode has them, is what finishes a task.
// Each task is created with `[sim:never]` and completed through the simulator's control API at a random moment
// 2–12 s after creation, so the poll-only baseline meets the poll schedule at a random phase, as real tasks do.
// The gateway's answer time is taken from a `?wait=` long-poll, which answers the moment the task is final.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LOCAL_API_KEY, type Stack, startStack } from "../scripts/local-stack.ts";
import { median, percentile, row } from "./stats.ts";

const N = Math.max(1, Number(process.env.N ?? 20));
const PORT = 18831;
const SIM_PORT = 18832;
const POLL_INTERVALS = "10s";
/** Time between two task creations of one mode. */
const STAGGER_MS = 700;
/** Completion happens this long after creation: uniform in [MIN, MIN + SPREAD). */
const DONE_MIN_MS = 2000;
const DONE_SPREAD_MS = 10_000;
/** A task not final this long after its completion counts as lost (the run goes on). */
const TASK_TIMEOUT_MS = 45_000;
/** Hard limit of the whole run. */
const RUN_LIMIT_MS = 5 * 60_000;

type Mode = "callback" | "poll-only";
interface Sample {
  latencyMs: number | null;
  /** HTTP statuses the gateway gave the simulator's callbacks for this task. */
  callbackStatuses: number[];
}

let stack: Stack | undefined;
let persistTo: string | undefined;

async function cleanup(): Promise<void> {
  const s = stack;
  stack = undefined;
  if (s) await s.stop().catch(() => undefined);
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; at: number }> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${LOCAL_API_KEY}`);
  if (init.body) headers.set("content-type", "application/json");
  const response = await fetch(`${stack!.gatewayUrl}${path}`, { ...init, headers });
  const text = await response.text();
  const at = Date.now();
  return { status: response.status, body: text ? JSON.parse(text) : null, at };
}

async function sim(path: string, init: RequestInit = {}): Promise<any> {
  const headers = new Headers(init.headers);
  if (init.body) headers.set("content-type", "application/json");
  const response = await fetch(`${stack!.simUrl}${path}`, { ...init, headers });
  if (!response.ok) throw new Error(`simulator ${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The simulator's task that the gateway created for gateway task `id` (found by its callback URL). */
async function simTaskFor(id: string): Promise<any> {
  const { tasks } = await sim("/__sim/tasks?vendor=vidu");
  const task = tasks.find((t: any) => typeof t.callbackUrl === "string" && t.callbackUrl.includes(`/${id}?`));
  if (!task) throw new Error(`the simulator has no Vidu task for ${id}`);
  return task;
}

/** Resolves with the time the gateway first answered `succeeded` (null if it failed or never did). */
async function firstSucceeded(id: string, until: () => number): Promise<number | null> {
  for (;;) {
    const left = Math.ceil((until() - Date.now()) / 1000);
    if (left <= 0) return null;
    const answer = await api(`/v1/video/generations/${id}?wait=${Math.min(60, left)}`);
    if (answer.status !== 200) throw new Error(`GET ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.body.status === "succeeded") return answer.at;
    if (answer.body.status === "failed") return null;
  }
}

async function oneTask(mode: Mode, i: number): Promise<Sample> {
  const created = await api("/v1/video/generations", {
    method: "POST",
    body: JSON.stringify({ model: "viduq1", prompt: `[sim:never] latency bench, ${mode} #${i}` }),
  });
  if (created.status !== 200) throw new Error(`POST: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.task_id as string;
  const simTask = await simTaskFor(id);

  let doneAt = Number.POSITIVE_INFINITY;
  const watching = firstSucceeded(id, () => Math.min(doneAt, Date.now() + 60_000) + TASK_TIMEOUT_MS);
  await sleep(DONE_MIN_MS + Math.random() * DONE_SPREAD_MS);
  const completed = await sim(`/__sim/tasks/${encodeURIComponent(simTask.id)}/complete`, { method: "POST", body: "{}" });
  doneAt = completed.doneAt as number;
  const succeededAt = await watching;
  // Give the simulator's retries of a refused callback time to show up in its record.
  await sleep(200);
  const record = await simTaskFor(id);
  return {
    latencyMs: succeededAt === null ? null : succeededAt - doneAt,
    callbackStatuses: record.callbacks.filter((c: any) => c.state === "success").map((c: any) => c.status as number),
  };
}

async function runMode(mode: Mode): Promise<Sample[]> {
  await sim("/__sim/config", { method: "PUT", body: JSON.stringify({ callbacks: mode === "callback" }) });
  const runs: Promise<Sample>[] = [];
  for (let i = 0; i < N; i++) {
    runs.push(oneTask(mode, i));
    await sleep(STAGGER_MS);
  }
  return Promise.all(runs);
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : "–");

function summary(mode: Mode, samples: Sample[]) {
  const ok = samples.flatMap((s) => (s.latencyMs === null ? [] : [s.latencyMs]));
  const attempts = samples.flatMap((s) => s.callbackStatuses);
  return {
    mode,
    ok,
    med: median(ok),
    p95: percentile(ok, 95),
    cells: [
      mode === "callback" ? "callback (Vidu signed callback + confirming poll)" : `poll-only (callbacks off, POLL_INTERVALS=${POLL_INTERVALS})`,
      `${ok.length}/${samples.length}`,
      ms(median(ok)),
      ms(percentile(ok, 95)),
      ms(Math.min(...ok)),
      ms(Math.max(...ok)),
      mode === "callback" ? `${attempts.filter((s) => s >= 200 && s < 300).length}/${attempts.length}` : "–",
    ],
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  persistTo = mkdtempSync(join(tmpdir(), "vgw-bench-callback-"));
  console.error(`starting wrangler dev on :${PORT} and the simulator on :${SIM_PORT} …`);
  stack = await startStack({ port: PORT, simPort: SIM_PORT, persistTo, vars: { POLL_INTERVALS } });

  // Warm-up (not measured): the first request compiles the Worker and opens local storage.
  const warm = await oneTask("callback", -1);
  console.error(`warm-up task: ${warm.latencyMs === null ? "did not succeed in time" : `${warm.latencyMs} ms`}`);

  const results = [];
  for (const mode of ["callback", "poll-only"] as const) {
    console.error(`measuring ${mode}: ${N} tasks …`);
    results.push(summary(mode, await runMode(mode)));
  }
  const [cb, poll] = results as [ReturnType<typeof summary>, ReturnType<typeof summary>];

  const lines = [
    `Vidu tasks through \`wrangler dev\` + the simulator; time from the simulator marking a task done to the gateway's first`,
    `\`succeeded\` answer (\`GET …?wait=\` long-poll). ${N} tasks per mode, created ${STAGGER_MS} ms apart, each completed`,
    `${DONE_MIN_MS / 1000}–${(DONE_MIN_MS + DONE_SPREAD_MS) / 1000} s after creation; \`POLL_INTERVALS=${POLL_INTERVALS}\`. ` +
      `${cpus().length} CPU cores, Node.js ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    "",
    row(["mode", "succeeded", "median", "p95", "min", "max", "success-callback attempts answered 2xx"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:"]),
    row(cb.cells),
    row(poll.cells),
    "",
    `poll-only / callback: median ${(poll.med / cb.med).toFixed(1)}×, p95 ${(poll.p95 / cb.p95).toFixed(1)}×. ` +
      `Target (median < 1 s with callbacks): ${cb.med < 1000 ? "met" : "NOT met"}.`,
  ];
  console.log(lines.join("\n"));
  console.error(`(run took ${Math.round((Date.now() - started) / 1000)} s)`);
  if (cb.ok.length < N || poll.ok.length < N) process.exitCode = 1;
}

const limit = setTimeout(() => {
  console.error(`the benchmark did not finish within ${RUN_LIMIT_MS / 1000} s; stopping`);
  void cleanup().finally(() => process.exit(2));
}, RUN_LIMIT_MS);

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  clearTimeout(limit);
  await cleanup();
}
