// Hot paths (issue 17): what a status read of a finished task and a submission cost over the Worker's own floor,
// as ratios measured in one run, several rounds in rotating order, medians reported.
//
//   npx node bench/hot-paths.ts [--rounds 5] [--seconds 5] [--posts 200]
//
// Reads, each round, in rotating order, READ_CONNECTIONS (50) connections for --seconds each:
//   - baseline: GET /v1/__hot_baseline, which no route matches: the Worker's 404 handler after the app's middleware,
//     without auth, a Durable Object or R2 (the trivial route);
//   - GET /v1/video/generations/{id} and GET /v1/videos/{id} of one finished (succeeded) task, with the API key.
//   Targets: requests/s ≥ 0.9 of the baseline's, p99 ≤ 1.2× the baseline's.
// Submissions, each round, in rotating order, --posts requests sent at once (one connection each):
//   - the simulator's own acceptance: POST /v1/videos/text2video straight to the simulator (Kling's create, with its JWT);
//   - the trivial route at that concurrency (GET /v1/__hot_baseline);
//   - the gateway: POST /v1/video/generations (kling-v1, each prompt distinct), which answers once the vendor accepted.
//   Target: gateway median ≤ 2 × (simulator median + trivial median). Every POST's Server-Timing header is summed
//   per stage into a profile of where its time goes. Each round waits until every task it created is final.
//
// Ports: gateway 18871, simulator 18872. Writes the report to stdout and to bench/results/hot-paths.md (OUT=path).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { LOCAL_API_KEY, type Stack, startStack } from "../scripts/local-stack.ts";
import { SIM_CREDENTIALS } from "../simulator/credentials.ts";
import { klingToken } from "../src/providers/kling/auth.ts";
import { median, percentile, row } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "5" },
    posts: { type: "string", default: "200" },
    only: { type: "string" },
  },
});
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const POSTS = Number(args.posts);
const READ_CONNECTIONS = 50;
/** Vendors take minutes to render; 20 s keeps one storm's tasks from finishing (and calling back) during it. */
const SIM_DELAY_MS = 20_000;
const RUN = { reads: args.only !== "posts", posts: args.only !== "reads" };
const OUT = process.env.OUT ?? join(import.meta.dirname, "results/hot-paths.md");
const BASELINE_PATH = "/v1/__hot_baseline";
const auth = { authorization: `Bearer ${LOCAL_API_KEY}` };
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

async function waitFinal(stack: Stack, id: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${stack.gatewayUrl}/v1/video/generations/${id}?wait=30`, { headers: auth });
    const body = (await res.json()) as { status: string };
    if (body.status !== "processing") return body.status;
  }
  return "processing";
}

/** READ_CONNECTIONS connections on one path for SECONDS: requests/s and p99 (ms); every answer must be `status`. */
async function readLoad(stack: Stack, name: string, path: string, status: number, headers: Record<string, string> = {}) {
  const result = await autocannon({ url: `${stack.gatewayUrl}${path}`, connections: READ_CONNECTIONS, duration: SECONDS, headers, timeout: 30 });
  const good = Number(result.statusCodeStats?.[`${status}`]?.count ?? 0);
  check(result.errors === 0 && result.timeouts === 0 && good === result.requests.total, `${name}: ${good} of ${result.requests.total} answered ${status}`);
  return { rps: result.requests.total / (result.duration || SECONDS), p99: result.latency.p99 };
}

interface Storm {
  latencies: number[];
  responses: Response[];
}

/** Sends `n` requests at once (fetch, one connection each) and times each until its whole body arrived. */
async function storm(n: number, request: (i: number) => Promise<Response>): Promise<Storm> {
  const latencies: number[] = [];
  const responses: Response[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const started = performance.now();
      const response = await request(i);
      const text = await response.text();
      latencies.push(performance.now() - started);
      responses.push(new Response(text, response));
    }),
  );
  return { latencies, responses };
}

/** Server-Timing (`name;dur=12.3, …`) as name → ms. */
function serverTiming(header: string | null): Map<string, number> {
  const stages = new Map<string, number>();
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.map((p) => /^dur=([\d.]+)$/.exec(p.trim())).find(Boolean);
    if (name && dur) stages.set(name, Number(dur[1]));
  }
  return stages;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vgw-hot-"));
  const stack = await startStack({
    port: 18871,
    simPort: 18872,
    persistTo: join(dir, "state"),
    vars: { RATE_LIMIT_PER_MINUTE: "100000", MAX_CONCURRENT_TASKS: "100000" },
    simEnv: { SIM_DELAY_MS: String(SIM_DELAY_MS) },
  });
  for (const s of [stack.gateway.stdout, stack.gateway.stderr, stack.simulator.stdout, stack.simulator.stderr]) s?.resume();
  const lines: string[] = [];
  const say = (line = "") => {
    lines.push(line);
    console.log(line);
  };
  try {
    // A finished task to read, and a warm-up of every path.
    const post = await fetch(`${stack.gatewayUrl}/v1/video/generations`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ model: "kling-v1", prompt: "hot paths: the finished task" }),
    });
    const { task_id: id } = (await post.json()) as { task_id: string };
    check((await waitFinal(stack, id)) === "succeeded", `the task to read (${id}) did not succeed`);
    const reads = {
      trivial: () => readLoad(stack, "baseline", BASELINE_PATH, 404),
      generations: () => readLoad(stack, "generations read", `/v1/video/generations/${id}`, 200, auth),
      videos: () => readLoad(stack, "videos read", `/v1/videos/${id}`, 200, auth),
    };
    type ReadName = keyof typeof reads;
    const readNames = Object.keys(reads) as ReadName[];
    await autocannon({ url: `${stack.gatewayUrl}${BASELINE_PATH}`, amount: 500, connections: 10 });
    await autocannon({ url: `${stack.gatewayUrl}/v1/video/generations/${id}`, amount: 500, connections: 10, headers: auth });

    const readResults = Object.fromEntries(readNames.map((n) => [n, [] as { rps: number; p99: number }[]])) as Record<ReadName, { rps: number; p99: number }[]>;
    const readRows: string[] = [];
    for (let round = 1; RUN.reads && round <= ROUNDS; round++) {
      const order = readNames.map((_, i) => readNames[(i + round) % readNames.length]!);
      for (const name of order) readResults[name].push(await reads[name]());
      const base = readResults[readNames[0]!].at(-1)!;
      readRows.push(
        row([
          round,
          order.join(" → "),
          ...readNames.flatMap((n) => [fmt(readResults[n].at(-1)!.rps), fmt(readResults[n].at(-1)!.p99)]),
          ...readNames.slice(1).map((n) => fmt(readResults[n].at(-1)!.rps / base.rps, 2)),
        ]),
      );
      console.log(readRows.at(-1));
    }

    // Submissions.
    const kling = () => klingToken(SIM_CREDENTIALS.KLING_ACCESS_KEY, SIM_CREDENTIALS.KLING_SECRET_KEY);
    let prompt = 0;
    const stages = new Map<string, number[]>();
    const created: string[] = [];
    const posts = {
      simulator: async () =>
        storm(POSTS, async () =>
          fetch(`${stack.simUrl}/v1/videos/text2video`, {
            method: "POST",
            headers: { authorization: `Bearer ${await kling()}`, "content-type": "application/json" },
            body: JSON.stringify({ model_name: "kling-v1", prompt: `hot paths, straight to the vendor ${++prompt}` }),
          }),
        ),
      trivial: () => storm(POSTS, () => fetch(`${stack.gatewayUrl}${BASELINE_PATH}`)),
      gateway: async () => {
        const result = await storm(POSTS, () =>
          fetch(`${stack.gatewayUrl}/v1/video/generations`, {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify({ model: "kling-v1", prompt: `hot paths, through the gateway ${++prompt}` }),
          }),
        );
        for (const response of result.responses) {
          for (const [name, ms] of serverTiming(response.headers.get("server-timing"))) stages.set(name, [...(stages.get(name) ?? []), ms]);
          if (response.ok) created.push(((await response.clone().json()) as { task_id: string }).task_id);
        }
        return result;
      },
    };
    type PostName = keyof typeof posts;
    const postNames = Object.keys(posts) as PostName[];
    const expected: Record<PostName, number> = { simulator: 200, trivial: 404, gateway: 200 };
    const postResults = Object.fromEntries(postNames.map((n) => [n, [] as number[]])) as Record<PostName, number[]>;
    const postRows: string[] = [];
    for (let round = 1; RUN.posts && round <= Math.max(3, Math.ceil(ROUNDS / 2)); round++) {
      const order = postNames.map((_, i) => postNames[(i + round) % postNames.length]!);
      const p50: Partial<Record<PostName, number>> = {};
      for (const name of order) {
        const result = await posts[name]();
        const wrong = result.responses.filter((r) => r.status !== expected[name]).length;
        check(wrong === 0, `${name} storm, round ${round}: ${wrong} answers were not ${expected[name]}`);
        p50[name] = median(result.latencies);
        postResults[name].push(p50[name]);
        if (name === "gateway") {
          // The tasks render, call back and are ingested before the next storm, so no storm runs behind another.
          const statuses = await Promise.all(created.splice(0).map((t) => waitFinal(stack, t)));
          check(
            statuses.every((s) => s === "succeeded"),
            `round ${round}: not every task succeeded (${statuses.filter((s) => s !== "succeeded").length})`,
          );
        }
      }
      const allowed = 2 * (p50.simulator! + p50.trivial!);
      postRows.push(
        row([
          round,
          order.join(" → "),
          fmt(p50.simulator!),
          fmt(p50.trivial!),
          fmt(p50.gateway!),
          fmt(allowed),
          fmt(p50.gateway! / (p50.simulator! + p50.trivial!), 2),
        ]),
      );
      console.log(postRows.at(-1));
    }

    // Report.
    const med = (n: ReadName, k: "rps" | "p99") => median(readResults[n].map((r) => r[k]));
    const base = readNames[0]!;
    say(`# Hot paths: finished-task reads and submissions over the Worker's floor`);
    say();
    say(`Run ${new Date().toISOString()} with \`npx node bench/hot-paths.ts --rounds ${ROUNDS} --seconds ${SECONDS} --posts ${POSTS}\`.`);
    say(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}; gateway (wrangler dev), simulator and load generator on the same machine.`);
    say();
    say(`## Status reads of a finished task (${READ_CONNECTIONS} connections, ${SECONDS} s per phase)`);
    say("`trivial`: GET /v1/__hot_baseline (404); `generations`: GET /v1/video/generations/{id}; `videos`: GET /v1/videos/{id}.");
    say();
    say(row(["round", "order", ...readNames.flatMap((n) => [`${n} req/s`, "p99 ms"]), ...readNames.slice(1).map((n) => `${n} / trivial req/s`)]));
    say(row(["---:", "---", ...readNames.flatMap(() => ["---:", "---:"]), ...readNames.slice(1).map(() => "---:")]));
    for (const line of readRows) say(line);
    say(
      row([
        "**median**",
        "",
        ...readNames.flatMap((n) => [`**${fmt(med(n, "rps"))}**`, `**${fmt(med(n, "p99"))}**`]),
        ...readNames.slice(1).map((n) => `**${fmt(med(n, "rps") / med(base, "rps"), 2)}**`),
      ]),
    );
    say();
    for (const n of readNames.slice(1)) {
      const rps = med(n, "rps") / med(base, "rps");
      const p99 = med(n, "p99") / med(base, "p99");
      say(
        `- ${n}: req/s ${fmt(rps, 2)}× the trivial route (target ≥ 0.9: ${rps >= 0.9 ? "met" : "MISSED"}), p99 ${fmt(p99, 2)}× (target ≤ 1.2: ${p99 <= 1.2 ? "met" : "MISSED"})`,
      );
    }
    say();
    say(`## ${POSTS} submissions at once (median latency per storm, ms)`);
    say();
    say(row(["round", "order", "simulator accepts", "trivial route", "gateway POST", "allowed (2 × (sim + trivial))", "gateway / (sim + trivial)"]));
    say(row(["---:", "---", "---:", "---:", "---:", "---:", "---:"]));
    for (const line of postRows) say(line);
    const m = Object.fromEntries(postNames.map((n) => [n, median(postResults[n])])) as Record<PostName, number>;
    const postRatio = m.gateway / (m.simulator + m.trivial);
    say(
      row([
        "**median**",
        "",
        `**${fmt(m.simulator)}**`,
        `**${fmt(m.trivial)}**`,
        `**${fmt(m.gateway)}**`,
        `**${fmt(2 * (m.simulator + m.trivial))}**`,
        `**${fmt(postRatio, 2)}**`,
      ]),
    );
    say();
    say(`- gateway POST median ${fmt(postRatio, 2)}× (simulator + trivial) (target ≤ 2: ${postRatio <= 2 ? "met" : "MISSED"})`);
    if (stages.size > 0) {
      say();
      say(`Where a POST's time goes (its Server-Timing stages, every POST of every round, ms):`);
      say();
      say(row(["stage", "median", "p90", "max"]));
      say(row(["---", "---:", "---:", "---:"]));
      for (const [name, values] of stages) say(row([name, fmt(median(values), 1), fmt(percentile(values, 90), 1), fmt(Math.max(...values), 1)]));
    }
    say();
    say(failures.length === 0 ? "Checks: all passed." : `Checks FAILED:\n${failures.map((f) => `- ${f}`).join("\n")}`);
    writeFileSync(OUT, `${lines.join("\n")}\n`);
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) process.exit(1);
}

await main();
