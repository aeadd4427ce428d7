// Load: 200 concurrent task submissions (distinct bodies) and a storm of status reads against `wrangler dev` + the
// vendor simulator, with a trivial Worker route measured in the same run as the baseline.
//
//   npx node bench/load.ts                      (TASKS=200 READ_SECONDS=10 READ_CONNECTIONS=100 by default)
//   TASKS=50 READ_SECONDS=5 npx node bench/load.ts
//
// Phases, one gateway process, one run:
//   1. warm-up (a few baseline requests and one task), so no phase pays for workerd's cold start;
//   2. baseline: GET /v1/__load_baseline, which no route matches: the Worker's 404 handler, after the app's middleware
//      (request id, secure headers) and without auth, a Durable Object or R2. The cheapest route a request can take
//      through this Worker, so the ratios below are "cost over the Worker's own floor";
//   3. submissions: TASKS POSTs at once (one connection each), Kling, Vidu and Jimeng in turn, each prompt distinct;
//      a POST answers when the vendor accepted the task (the simulator accepts at once);
//   4. read storm: READ_CONNECTIONS connections reading the new tasks' status for READ_SECONDS, while the tasks
//      render (SIM_DELAY_MS 3 s), call back, and are ingested into R2;
//   5. baseline again (same connections and duration as the read storm);
//   6. every task must finish: each is followed from its POST by `?wait=` long-polls, which also time it end to end.
// Checks (the process exits 1 when one fails): no connection errors or timeouts, every POST 200 with a task, every
// read 200, every baseline request the expected 404, every task `succeeded`, each paid once by its vendor.
// Writes the report to stdout and to bench/results/load.md (OUT=path to change it).

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import autocannon from "autocannon";
import { LOCAL_API_KEY, type Stack, startStack } from "../scripts/local-stack.ts";
import { median, percentile, row } from "./stats.ts";

const TASKS = Math.max(3, Number(process.env.TASKS ?? 200));
const READ_SECONDS = Math.max(1, Number(process.env.READ_SECONDS ?? 10));
const READ_CONNECTIONS = Math.max(1, Number(process.env.READ_CONNECTIONS ?? 100));
const OUT = process.env.OUT ?? join(import.meta.dirname, "results/load.md");
const PORT = 18857;
const SIM_PORT = 18858;
const SIM_DELAY_MS = 3000;
const BASELINE_PATH = "/v1/__load_baseline";
const MODELS = ["kling-v1", "viduq1", "jimeng_vgfm_t2v_l20"] as const;
const TASK_LIMIT_MS = 5 * 60_000;

const auth = { authorization: `Bearer ${LOCAL_API_KEY}` };
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

type Result = autocannon.Result;

function cannon(stack: Stack, options: Partial<autocannon.Options>): Promise<Result> {
  return autocannon({ url: stack.gatewayUrl, timeout: 60, ...options } as autocannon.Options);
}

/** Checks one phase: no connection errors or timeouts, and every answer of the expected status. */
function expectAll(name: string, result: Result, status: number): void {
  const total = result.requests.total;
  const got = Number(result.statusCodeStats?.[`${status}`]?.count ?? 0);
  check(result.errors === 0 && result.timeouts === 0, `${name}: ${result.errors} errors, ${result.timeouts} timeouts`);
  check(total > 0 && got === total, `${name}: ${got} of ${total} answers were ${status} (${JSON.stringify(result.statusCodeStats)})`);
}

interface Tracked {
  id: string;
  model: string;
  sentAt: number;
  doneAt?: number;
  status?: string;
}

/** Follows one task with `?wait=` long-polls (held by its TaskObject) until it is final. */
async function follow(stack: Stack, task: Tracked): Promise<void> {
  const until = Date.now() + TASK_LIMIT_MS;
  while (Date.now() < until) {
    try {
      const response = await fetch(`${stack.gatewayUrl}/v1/video/generations/${task.id}?wait=30`, { headers: auth });
      const body = (await response.json()) as { status: string };
      if (body.status !== "processing") {
        task.doneAt = Date.now();
        task.status = body.status;
        return;
      }
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const ms = (n: number) => `${Math.round(n)} ms`;
const ratio = (n: number, base: number) => (base > 0 ? `${(n / base).toFixed(1)}×` : "n/a");

function versions(): string {
  const wrangler = (() => {
    try {
      return execFileSync(join(import.meta.dirname, "../node_modules/.bin/wrangler"), ["--version"], { encoding: "utf8" })
        .trim()
        .split("\n")
        .pop();
    } catch {
      return "?";
    }
  })();
  return `Node ${process.version}, wrangler ${wrangler}, autocannon 9, ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}`;
}

async function main(): Promise<void> {
  const persistTo = mkdtempSync(join(tmpdir(), "vgw-load-"));
  const stack = await startStack({ port: PORT, simPort: SIM_PORT, persistTo, simEnv: { SIM_DELAY_MS: String(SIM_DELAY_MS) } });
  // Nobody else reads the children's pipes; an unread pipe would eventually stall them.
  for (const s of [stack.gateway.stdout, stack.gateway.stderr, stack.simulator.stdout, stack.simulator.stderr]) s?.resume();
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!.toFixed(2);
  const tasks: Tracked[] = [];
  const followers: Promise<void>[] = [];
  try {
    // 1. warm-up
    await cannon(stack, { amount: 200, connections: 10, requests: [{ method: "GET", path: BASELINE_PATH }] });
    const warm = await fetch(`${stack.gatewayUrl}/v1/video/generations`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ model: "kling-v1", prompt: "load bench warm-up" }),
    });
    const warmTask = (await warm.json()) as { task_id: string };
    check(warm.status === 200, `warm-up POST answered ${warm.status}`);
    const warmTracked: Tracked = { id: warmTask.task_id, model: "kling-v1", sentAt: Date.now() };
    followers.push(follow(stack, warmTracked));

    // 2. baseline
    const baseline = await cannon(stack, { connections: READ_CONNECTIONS, duration: READ_SECONDS, requests: [{ method: "GET", path: BASELINE_PATH }] });
    expectAll("baseline", baseline, 404);

    // 3. submissions: one request per connection, all at once.
    let next = 0;
    const submissions = await cannon(stack, {
      connections: TASKS,
      amount: TASKS,
      requests: [
        {
          method: "POST",
          path: "/v1/video/generations",
          headers: { ...auth, "content-type": "application/json" },
          setupRequest: (req, context) => {
            const n = next++;
            const model = MODELS[n % MODELS.length]!;
            Object.assign(context, { model, sentAt: Date.now() });
            return { ...req, body: JSON.stringify({ model, prompt: `load bench task ${n}: a paper boat on a rainy street, shot ${n * 7919}` }) };
          },
          onResponse: (status, body, context) => {
            if (status !== 200) return;
            const id = (JSON.parse(body) as { task_id?: string }).task_id;
            if (!id) return;
            const { model, sentAt } = context as { model: string; sentAt: number };
            const tracked: Tracked = { id, model, sentAt };
            tasks.push(tracked);
            followers.push(follow(stack, tracked));
          },
        },
      ],
    });
    expectAll("submissions", submissions, 200);
    check(
      tasks.length === TASKS && new Set(tasks.map((t) => t.id)).size === TASKS,
      `submissions: ${tasks.length} tasks (${new Set(tasks.map((t) => t.id)).size} distinct) for ${TASKS} POSTs`,
    );

    // 4. read storm over the new tasks, while they render, call back and are ingested.
    let r = 0;
    const reads = await cannon(stack, {
      connections: READ_CONNECTIONS,
      duration: READ_SECONDS,
      requests: [
        {
          method: "GET",
          headers: auth,
          setupRequest: (req) => ({ ...req, path: `/v1/video/generations/${tasks[r++ % tasks.length]!.id}` }),
        },
      ],
    });
    expectAll("status reads", reads, 200);
    const inFlightAfterStorm = tasks.filter((t) => t.status === undefined).length;

    // 5. baseline again, same shape as the storm.
    const baselineAfter = await cannon(stack, { connections: READ_CONNECTIONS, duration: READ_SECONDS, requests: [{ method: "GET", path: BASELINE_PATH }] });
    expectAll("baseline (after)", baselineAfter, 404);

    // 6. every task finishes.
    await Promise.all(followers);
    const all = [warmTracked, ...tasks];
    const notSucceeded = all.filter((t) => t.status !== "succeeded");
    check(notSucceeded.length === 0, `${notSucceeded.length} tasks did not succeed: ${JSON.stringify(notSucceeded.slice(0, 5))}`);
    const stats = (await (await fetch(`${stack.simUrl}/__sim/stats`)).json()) as Record<
      string,
      { create: number; accepted: number; byExternalId: Record<string, { calls: number }> }
    >;
    const accepted = Object.values(stats).reduce((n, s) => n + s.accepted, 0);
    const creates = Object.values(stats).reduce((n, s) => n + s.create, 0);
    check(accepted === all.length && creates === all.length, `vendors: ${creates} creates, ${accepted} accepted for ${all.length} tasks`);
    const klingTwice = Object.entries(stats.kling?.byExternalId ?? {}).filter(([, v]) => v.calls !== 1);
    check(klingTwice.length === 0, `Kling tasks submitted more than once: ${JSON.stringify(klingTwice)}`);

    const e2e = tasks.filter((t) => t.doneAt !== undefined).map((t) => t.doneAt! - t.sentAt);
    const lastDone = Math.max(...tasks.map((t) => t.doneAt ?? Number.NaN));
    const firstSent = Math.min(...tasks.map((t) => t.sentAt));

    // ---- report ------------------------------------------------------------------------------------------------------
    const lat = (res: Result) => [ms(res.latency.p50), ms(res.latency.p99), ms(res.latency.max)];
    const lines = [
      "# Load benchmark: submissions and status reads against wrangler dev + simulator",
      "",
      `Run ${startedAt.toISOString()} with \`npx node bench/load.ts\` (TASKS=${TASKS}, READ_SECONDS=${READ_SECONDS}, READ_CONNECTIONS=${READ_CONNECTIONS}).`,
      `Machine: ${versions()}. Gateway: \`wrangler dev\` (local Workflows, Durable Objects, R2; state in a temp dir), default`,
      `POLL_INTERVALS, RATE_LIMIT_PER_MINUTE and MAX_CONCURRENT_TASKS; one API key. Simulator: renders in ${SIM_DELAY_MS / 1000} s, calls back, serves a 200 KB MP4.`,
      `Load generator (autocannon), gateway (wrangler + workerd) and simulator share the same machine (1-min load average at start: ${loadAtStart}).`,
      "",
      `Baseline (trivial route): \`GET ${BASELINE_PATH}\`, answered 404 by the Worker's not-found handler (no auth, no`,
      "Durable Object, no R2). Ratios are each phase's latency over the baseline's, measured in this same run.",
      "",
      row(["phase", "connections", "requests", "errors", "non-2xx (expected)", "p50", "p99", "max", "throughput (req/s)", "p50 / baseline", "p99 / baseline"]),
      row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
      row([
        "baseline: 404 route",
        READ_CONNECTIONS,
        baseline.requests.total,
        baseline.errors,
        `${baseline.non2xx} (all 404)`,
        ...lat(baseline),
        baseline.requests.average.toFixed(0),
        "1.0×",
        "1.0×",
      ]),
      row([
        `${TASKS} concurrent POST /v1/video/generations`,
        TASKS,
        submissions.requests.total,
        submissions.errors,
        submissions.non2xx,
        ...lat(submissions),
        (submissions.requests.total / submissions.duration).toFixed(1),
        ratio(submissions.latency.p50, baseline.latency.p50),
        ratio(submissions.latency.p99, baseline.latency.p99),
      ]),
      row([
        "status reads GET /v1/video/generations/{id}",
        READ_CONNECTIONS,
        reads.requests.total,
        reads.errors,
        reads.non2xx,
        ...lat(reads),
        reads.requests.average.toFixed(0),
        ratio(reads.latency.p50, baseline.latency.p50),
        ratio(reads.latency.p99, baseline.latency.p99),
      ]),
      row([
        "baseline again, after the load",
        READ_CONNECTIONS,
        baselineAfter.requests.total,
        baselineAfter.errors,
        `${baselineAfter.non2xx} (all 404)`,
        ...lat(baselineAfter),
        baselineAfter.requests.average.toFixed(0),
        ratio(baselineAfter.latency.p50, baseline.latency.p50),
        ratio(baselineAfter.latency.p99, baseline.latency.p99),
      ]),
      "",
      `Submissions: all ${TASKS} POSTs sent at once took ${submissions.duration.toFixed(1)} s in total; a POST answers once the vendor has accepted the task.`,
      `Status reads ran while ${inFlightAfterStorm} of the ${TASKS} tasks were still unfinished at the storm's end.`,
      "",
      row(["tasks", "succeeded", "vendor creates / accepted", "POST → succeeded p50", "p99", "max", "first POST → last task done"]),
      row(["---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
      row([
        all.length,
        all.length - notSucceeded.length,
        `${creates} / ${accepted}`,
        ms(median(e2e)),
        ms(percentile(e2e, 99)),
        ms(Math.max(...e2e)),
        `${((lastDone - firstSent) / 1000).toFixed(1)} s`,
      ]),
      "",
      `(${all.length} tasks = the ${TASKS} submitted + 1 warm-up task. "POST → succeeded" runs from sending the POST to a \`?wait=30\` long-poll`,
      `(one per task, from its POST's answer on) returning \`succeeded\`; it includes the simulator's ${SIM_DELAY_MS / 1000} s render time, the callback,`,
      "the ingest into R2, and the status-read storm running alongside.)",
      "",
      failures.length === 0
        ? "Checks: all passed (no errors or timeouts; every answer as expected; every task succeeded, each paid once)."
        : `Checks FAILED:\n${failures.map((f) => `- ${f}`).join("\n")}`,
      "",
    ];
    const report = lines.join("\n");
    console.log(report);
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, report);
  } finally {
    await stack.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`load benchmark checks failed:\n${failures.join("\n")}`);
    process.exitCode = 1;
  }
}

await main();
