// Peak resident memory of the local runtime (the sum of RSS over the workerd processes of `wrangler dev`, sampled
// from /proc every 50 ms) while the gateway ingests a video sent WITHOUT Content-Length and while it serves it
// through the signed URL, at 250 MiB and at 500 MiB. Baseline in the same run: bench/baseline-worker, a trivial
// Worker that only streams the same bytes (fetched chunked from the simulator) into R2, under its own wrangler dev.
// Each size gets fresh processes and state, so the two sizes are independent measurements.
// Targets: at most 128 MiB above the baseline, and no growth from 250 to 500 MiB.
//
//   npx node bench/memory.ts [--sizes 250,500] [--no-attribution]
//   npx node bench/memory.ts --ingest-rounds 5 [--size-mib 300]
//
// --ingest-rounds N: only the ingest ratio, N rounds in alternating order, each with fresh processes and state: the
// gateway's growth during ingest (peak − idle, no Content-Length) over the baseline's growth while it stores the same
// bytes; medians of both and their ratio (target ≤ 1.5).
//
// Each phase runs in a freshly started wrangler dev (the gateway is restarted on the same state between ingest and
// serving), so memory left over from one phase never counts for the next. Unless --no-attribution, it also runs
// baseline variants that add one piece of the gateway's ingest at a time (multipart, JS TransformStreams, the
// staging copy), to attribute the gateway's extra memory.
//
// Ports: gateway 18845, simulator 18846, baseline Worker 18847. Everything it starts is stopped, temp dirs removed.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { LOCAL_API_KEY, type Stack, startStack } from "../scripts/local-stack.ts";
import { SIM_CREDENTIALS } from "../simulator/credentials.ts";
import { klingToken } from "../src/providers/kling/auth.ts";
import { median, row } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "250,500" },
    "no-attribution": { type: "boolean", default: false },
    "ingest-rounds": { type: "string" },
    "size-mib": { type: "string", default: "300" },
  },
});
const MiB = 2 ** 20;
const SIZES = args.sizes.split(",").map(Number);
const PORTS = { port: 18845, simPort: 18846, baseline: 18847 };
const ROOT = join(import.meta.dirname, "..");
const LIMIT_MIB = 128;
/** Peak differences below this are sampling noise (GC timing, allocator); a buffered video would add 250 MiB. */
const GROWTH_TOLERANCE_MIB = 32;

// ---- /proc sampler (own thread: the download loop in this thread must not delay the samples) --------------------

const SAMPLER = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const PAGE = 4096;
const roots = new Map(); // name -> root pid
const state = new Map(); // name -> { pids, peak, last, samples }
function processes() {
  const all = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync("/proc/" + entry + "/stat", "latin1");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      all.set(Number(entry), { comm, ppid });
    } catch {}
  }
  return all;
}
function refresh() {
  const all = processes();
  const children = new Map();
  for (const [pid, p] of all) (children.get(p.ppid) ?? children.set(p.ppid, []).get(p.ppid)).push(pid);
  for (const [name, root] of roots) {
    const pids = [];
    const walk = (pid, inside) => {
      const inWorkerd = inside || all.get(pid)?.comm === "workerd";
      if (inWorkerd) pids.push(pid);
      for (const c of children.get(pid) ?? []) walk(c, inWorkerd);
    };
    walk(root, false);
    state.get(name).pids = pids;
  }
}
function rss(pid) {
  try { return Number(fs.readFileSync("/proc/" + pid + "/statm", "latin1").split(" ")[1]) * PAGE; } catch { return 0; }
}
function sample() {
  for (const s of state.values()) {
    if (s.pids.length === 0) continue;
    const total = s.pids.reduce((sum, pid) => sum + rss(pid), 0);
    s.last = total;
    s.peak = Math.max(s.peak, total);
    s.samples++;
  }
}
let ticks = 0;
setInterval(() => { if (ticks++ % 10 === 0) refresh(); sample(); }, 50);
parentPort.on("message", (m) => {
  if (m.cmd === "watch") { roots.set(m.name, m.pid); state.set(m.name, { pids: [], peak: 0, last: 0, samples: 0 }); refresh(); sample(); }
  const s = state.get(m.name);
  if (m.cmd === "reset") { refresh(); sample(); s.peak = s.last; s.samples = 0; }
  parentPort.postMessage({ id: m.id, peak: s.peak, last: s.last, samples: s.samples, pids: s.pids });
});
`;

class Sampler {
  private readonly worker = new Worker(SAMPLER, { eval: true });
  private next = 0;
  private ask(cmd: string, name: string, pid?: number) {
    const id = this.next++;
    return new Promise<{ peak: number; last: number; samples: number; pids: number[] }>((resolve) => {
      const onMessage = (m: { id: number }) => {
        if (m.id !== id) return;
        this.worker.off("message", onMessage);
        resolve(m as never);
      };
      this.worker.on("message", onMessage);
      this.worker.postMessage({ cmd, name, pid, id });
    });
  }
  watch = (name: string, pid: number) => this.ask("watch", name, pid);
  /** Starts a phase: the peak restarts from the current RSS. */
  reset = (name: string) => this.ask("reset", name);
  read = (name: string) => this.ask("read", name);
  close = () => this.worker.terminate();
}

/** Runs `phase` and returns the peak RSS of `name`'s workerd processes during it, and the RSS just before it. */
async function measure(sampler: Sampler, name: string, phase: () => Promise<unknown>) {
  await sleep(500);
  const before = await sampler.reset(name);
  const started = Date.now();
  await phase();
  await sleep(200); // catch the tail of the phase
  const after = await sampler.read(name);
  return { before: before.last, peak: after.peak, samples: after.samples, seconds: (Date.now() - started) / 1000, pids: after.pids };
}

// ---- processes ------------------------------------------------------------------------------------------------

async function waitForHttp(url: string, child: ChildProcess, what: string) {
  for (const until = Date.now() + 90_000; Date.now() < until; await sleep(250)) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      // not up yet
    }
  }
  throw new Error(`${what} did not answer at ${url}`);
}

async function startBaseline(persistTo: string): Promise<ChildProcess> {
  const child = spawn(
    join(ROOT, "node_modules/.bin/wrangler"),
    [
      "dev",
      "--config",
      join(ROOT, "bench/baseline-worker/wrangler.toml"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(PORTS.baseline),
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
      "--log-level",
      "error",
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], detached: true, env: { ...process.env, CI: "true" } },
  );
  await waitForHttp(`http://127.0.0.1:${PORTS.baseline}/`, child, "the baseline Worker's wrangler dev");
  return child;
}

async function stopGroup(child: ChildProcess | undefined) {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  await gone;
}

/** The gateway and the simulator, with state under `dir` (a fast render and poll: ingest is what is measured). */
function startGatewayStack(dir: string): Promise<Stack> {
  return startStack({
    port: PORTS.port,
    simPort: PORTS.simPort,
    persistTo: join(dir, "gateway"),
    vars: { POLL_INTERVALS: "1s" },
    simEnv: { SIM_DELAY_MS: "300" },
  });
}

// ---- the work -------------------------------------------------------------------------------------------------

const auth = { authorization: `Bearer ${LOCAL_API_KEY}` };

async function api(stack: Stack, path: string, init: RequestInit = {}) {
  const res = await fetch(`${stack.gatewayUrl}${path}`, { ...init, headers: { ...auth, "content-type": "application/json", ...init.headers } });
  return (await res.json()) as Record<string, any>;
}

/** Downloads `url` with node:http, discarding the bytes; returns the byte count. */
function drain(url: string, init: { method?: string } = {}): Promise<{ status: number; bytes: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (get as unknown as typeof import("node:http").request)(u, { method: init.method ?? "GET", agent: false }, (res) => {
      let bytes = 0;
      let body = "";
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (body.length < 2000) body += chunk.toString("utf8", 0, Math.min(chunk.length, 2000));
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const mib = (bytes: number) => bytes / MiB;
const fmt = (bytes: number) => mib(bytes).toFixed(0);

type Measured = Awaited<ReturnType<typeof measure>>;
interface Phase extends Measured {
  process: "gateway" | "baseline";
  phase: string;
  /** RSS after start-up and one warm-up request, before the phase. */
  idle: number;
}
interface SizeResult {
  size: number;
  ingest: Phase;
  serveMiss: Phase;
  serveHit: Phase;
  baseStore: Phase;
  baseServe: Phase;
  extra: Phase[];
}

/** Baseline variants, each in a fresh wrangler dev: the reference first, then what attributes the gateway's extra. */
const BASELINE_STORE = { label: "store, FixedLengthStream", query: "mode=fixed" };
const ATTRIBUTION = [
  { label: "store, 8 MiB multipart", query: "mode=multipart" },
  { label: "store, FixedLengthStream + 3 JS TransformStreams", query: "mode=fixed&taps=3" },
  { label: "store, FixedLengthStream + get→put copy", query: "mode=fixed&copy=1" },
  { label: "store, multipart + 3 JS TransformStreams + copy (ingest's shape)", query: "mode=multipart&taps=3&copy=1" },
];

async function runSize(sizeMiB: number, attribution: boolean): Promise<SizeResult> {
  const size = sizeMiB * MiB;
  const dir = mkdtempSync(join(tmpdir(), "vgw-bench-memory-"));
  const sampler = new Sampler();
  let stack: Stack | undefined;
  let baseline: ChildProcess | undefined;
  const settle = async (name: "gateway" | "baseline", pid: number, warmUp: () => Promise<unknown>) => {
    await sampler.watch(name, pid);
    await warmUp(); // the first request compiles and warms the Worker
    await sleep(2000);
    return (await sampler.read(name)).last;
  };
  const phase = async (process: Phase["process"], label: string, idle: number, work: () => Promise<unknown>): Promise<Phase> => {
    const m = await measure(sampler, process, work);
    console.log(`  ${process} ${label}: ${m.seconds.toFixed(1)} s, peak ${fmt(m.peak)} MiB (idle ${fmt(idle)})`);
    return { ...m, process, phase: label, idle };
  };
  try {
    console.log(`\n[${sizeMiB} MiB] gateway on ${PORTS.port}, simulator on ${PORTS.simPort}, baseline Worker on ${PORTS.baseline}`);
    stack = await startGatewayStack(dir);
    const s = stack;
    const warmGateway = () => api(s, "/v1/models");
    let idle = await settle("gateway", s.gateway.pid!, warmGateway);

    // Gateway ingest: the simulator sends the video chunked (no Content-Length) → the multipart path.
    await fetch(`${s.simUrl}/__sim/config`, { method: "PUT", body: JSON.stringify({ sizeBytes: size, chunked: true }) });
    let task: Record<string, any> = {};
    const ingest = await phase("gateway", "ingest, chunked (no Content-Length)", idle, async () => {
      const created = await api(s, "/v1/video/generations", { method: "POST", body: JSON.stringify({ model: "kling-v1", prompt: "memory benchmark" }) });
      for (const until = Date.now() + 20 * 60_000; ; ) {
        task = await api(s, `/v1/video/generations/${created.task_id}?wait=5`);
        if (task.status !== "processing") break;
        if (Date.now() > until) throw new Error("ingest did not finish in 20 minutes");
      }
    });
    if (task.status !== "succeeded") throw new Error(`ingest failed: ${JSON.stringify(task.error)}`);
    const simTask = ((await (await fetch(`${s.simUrl}/__sim/tasks`)).json()) as { tasks: any[] }).tasks.find((t) => t.externalId === task.task_id);
    const source = `${s.simUrl}/files/kling/${simTask.id}.mp4`;
    console.log(`  metadata read by the gateway: ${JSON.stringify(task.metadata)}`);

    // Gateway serve, in a restarted runtime (same state) so that memory left over from ingest does not count:
    // the first GET misses the edge cache (and fills it in the background), the second hits it.
    await s.stopGateway();
    await s.startGateway();
    idle = await settle("gateway", s.gateway.pid!, warmGateway);
    const download = (what: string) => async () => {
      const r = await drain(task.url);
      if (r.status !== 200 || r.bytes !== size) throw new Error(`${what}: ${r.status}, ${r.bytes} bytes`);
    };
    const serveMiss = await phase("gateway", "serve, 1st GET (cache miss; fill in background, +3 s)", idle, async () => {
      await download("serve")();
      await sleep(3000);
    });
    const serveHit = await phase("gateway", "serve, 2nd GET (cache hit)", idle, download("serve"));
    await s.stopGateway();

    // Baseline: the same bytes, chunked from the simulator, into R2; each variant in a fresh wrangler dev.
    const base = `http://127.0.0.1:${PORTS.baseline}`;
    const warmBaseline = () => drain(`${base}/object?key=warm-up`);
    const withBaseline = async <T>(work: (idle: number) => Promise<T>): Promise<T> => {
      baseline = await startBaseline(join(dir, "baseline"));
      try {
        return await work(await settle("baseline", baseline.pid!, warmBaseline));
      } finally {
        await stopGroup(baseline);
        baseline = undefined;
      }
    };
    const store = (variant: { label: string; query: string }, key: string) => (idle: number) =>
      phase("baseline", variant.label, idle, async () => {
        const r = await drain(`${base}/store?${variant.query}&key=${key}&length=${size}&src=${encodeURIComponent(source)}`, { method: "POST" });
        if (r.status !== 200 || (JSON.parse(r.body) as { size: number }).size !== size) throw new Error(`baseline ${variant.query}: ${r.status} ${r.body}`);
      });
    const baseStore = await withBaseline(store(BASELINE_STORE, "video"));
    const baseServe = await withBaseline((idle) =>
      phase("baseline", "serve (R2 get → Response)", idle, async () => {
        const r = await drain(`${base}/object?key=video`);
        if (r.status !== 200 || r.bytes !== size) throw new Error(`baseline serve: ${r.status}, ${r.bytes} bytes`);
      }),
    );
    const extra: Phase[] = [];
    if (attribution) {
      for (const [i, variant] of ATTRIBUTION.entries()) extra.push(await withBaseline(store(variant, `attribution-${i}`)));
      // Reading back an object that was stored by multipart upload (ATTRIBUTION[0]), as ingest's staging copy does.
      extra.push(
        await withBaseline((idle) =>
          phase("baseline", "serve an object stored by multipart upload", idle, async () => {
            const r = await drain(`${base}/object?key=attribution-0`);
            if (r.status !== 200 || r.bytes !== size) throw new Error(`baseline multipart serve: ${r.status}, ${r.bytes} bytes`);
          }),
        ),
      );
    }
    return { size, ingest, serveMiss, serveHit, baseStore, baseServe, extra };
  } finally {
    await sampler.close();
    await stopGroup(baseline);
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The gateway's and the baseline's growth while storing `sizeMiB` (no Content-Length), round after round. */
async function ingestRounds(sizeMiB: number, rounds: number): Promise<void> {
  const size = sizeMiB * MiB;
  // Two trivial Workers: one told the length (one put through a FixedLengthStream), and one that, like the gateway,
  // is not (multipart upload in 8 MiB parts: the least a Worker can do with a body of unknown length).
  const growth = { gateway: [] as number[], fixed: [] as number[], multipart: [] as number[] };
  const table = [
    row(["round", "order", "gateway", "baseline, length given", "baseline, multipart", "gateway / length given", "gateway / multipart"]),
    row(["---:", "---", "---:", "---:", "---:", "---:", "---:"]),
  ];
  for (let round = 1; round <= rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), "vgw-bench-memory-"));
    const sampler = new Sampler();
    let stack: Stack | undefined;
    let baseline: ChildProcess | undefined;
    try {
      stack = await startGatewayStack(dir);
      const s = stack;
      await fetch(`${s.simUrl}/__sim/config`, { method: "PUT", body: JSON.stringify({ sizeBytes: size, chunked: true }) });
      const source = await simVideo(s);
      const measureGateway = async () => {
        await sampler.watch("gateway", s.gateway.pid!);
        await api(s, "/v1/models");
        await sleep(2000);
        const idle = (await sampler.read("gateway")).last;
        let task: Record<string, any> = {};
        const m = await measure(sampler, "gateway", async () => {
          const created = await api(s, "/v1/video/generations", {
            method: "POST",
            body: JSON.stringify({ model: "kling-v1", prompt: `memory round ${round}` }),
          });
          do task = await api(s, `/v1/video/generations/${created.task_id}?wait=5`);
          while (task.status === "processing");
        });
        if (task.status !== "succeeded") throw new Error(`ingest failed: ${JSON.stringify(task.error)}`);
        growth.gateway.push(m.peak - idle);
      };
      const measureBaseline = async (variant: "fixed" | "multipart") => {
        baseline = await startBaseline(join(dir, "baseline"));
        await sampler.watch("baseline", baseline.pid!);
        await drain(`http://127.0.0.1:${PORTS.baseline}/object?key=warm-up`);
        await sleep(2000);
        const idle = (await sampler.read("baseline")).last;
        const m = await measure(sampler, "baseline", async () => {
          const query = variant === "fixed" ? `${BASELINE_STORE.query}&length=${size}` : "mode=multipart";
          const r = await drain(`http://127.0.0.1:${PORTS.baseline}/store?${query}&key=video&src=${encodeURIComponent(source)}`, {
            method: "POST",
          });
          if (r.status !== 200) throw new Error(`baseline store: ${r.status} ${r.body}`);
        });
        growth[variant].push(m.peak - idle);
        await stopGroup(baseline);
        baseline = undefined;
      };
      const kinds = ["gateway", "fixed", "multipart"] as const;
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
      for (const who of order) await (who === "gateway" ? measureGateway() : measureBaseline(who));
      const [g, f, mp] = [growth.gateway.at(-1)!, growth.fixed.at(-1)!, growth.multipart.at(-1)!];
      table.push(row([round, order.join(" → "), fmt(g), fmt(f), fmt(mp), (g / f).toFixed(2), (g / mp).toFixed(2)]));
      console.log(table.at(-1));
    } finally {
      await sampler.close();
      await stopGroup(baseline);
      await stack?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [g, f, mp] = [median(growth.gateway), median(growth.fixed), median(growth.multipart)];
  table.push(row(["**median**", "", `**${fmt(g)}**`, `**${fmt(f)}**`, `**${fmt(mp)}**`, `**${(g / f).toFixed(2)}**`, `**${(g / mp).toFixed(2)}**`]));
  console.log(`\nIngest of ${sizeMiB} MiB without Content-Length: RSS growth (peak − idle, MiB) of the workerd processes (${new Date().toISOString()})\n`);
  console.log(table.join("\n"));
  for (const [name, base] of [
    ["length given", f],
    ["multipart", mp],
  ] as const) {
    console.log(`gateway / baseline (${name}) growth = ${(g / base).toFixed(2)} (target <= 1.5: ${g / base <= 1.5 ? "met" : "MISSED"})`);
  }
}

/** A finished video at the simulator (created straight through Kling's API), for the baseline to store. */
async function simVideo(stack: Stack): Promise<string> {
  const authorization = `Bearer ${await klingToken(SIM_CREDENTIALS.KLING_ACCESS_KEY, SIM_CREDENTIALS.KLING_SECRET_KEY)}`;
  const headers = { authorization, "content-type": "application/json" };
  const created = (await (
    await fetch(`${stack.simUrl}/v1/videos/text2video`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model_name: "kling-v1", prompt: "memory baseline" }),
    })
  ).json()) as { data: { task_id: string } };
  for (;;) {
    await sleep(300);
    const task = (await (await fetch(`${stack.simUrl}/v1/videos/text2video/${created.data.task_id}`, { headers })).json()) as {
      data: { task_status: string; task_result?: { videos: { url: string }[] } };
    };
    if (task.data.task_status === "succeed") return task.data.task_result!.videos[0]!.url;
    if (task.data.task_status === "failed") throw new Error("the simulator failed the baseline's video");
  }
}

if (args["ingest-rounds"] !== undefined) {
  await ingestRounds(Number(args["size-mib"]), Number(args["ingest-rounds"]));
  process.exit(0);
}

const results: SizeResult[] = [];
for (const size of SIZES) results.push(await runSize(size, !args["no-attribution"]));

const servePeak = (r: SizeResult) => Math.max(r.serveMiss.peak, r.serveHit.peak);
const lines = [
  `Peak RSS (MiB): sum over the workerd processes of each \`wrangler dev\`, sampled from /proc every 50 ms (${new Date().toISOString()}).`,
  "",
  row(["size", "baseline peak (store)", "gateway ingest peak (no Content-Length)", "gateway serve peak", "ingest − baseline", "serve − baseline serve"]),
  row(["---:", "---:", "---:", "---:", "---:", "---:"]),
];
for (const r of results) {
  lines.push(
    row([
      `${mib(r.size)} MiB`,
      fmt(r.baseStore.peak),
      fmt(r.ingest.peak),
      fmt(servePeak(r)),
      fmt(r.ingest.peak - r.baseStore.peak),
      fmt(servePeak(r) - r.baseServe.peak),
    ]),
  );
}
lines.push("", "Every phase (MiB); idle = RSS of that fresh wrangler dev after one warm-up request; peak − idle = what the phase added.", "");
lines.push(row(["size", "process", "phase", "idle", "peak", "peak − idle", "seconds"]));
lines.push(row(["---:", "---", "---", "---:", "---:", "---:", "---:"]));
for (const r of results) {
  for (const p of [r.ingest, r.serveMiss, r.serveHit, r.baseStore, r.baseServe, ...r.extra]) {
    lines.push(row([`${mib(r.size)} MiB`, p.process, p.phase, fmt(p.idle), fmt(p.peak), fmt(p.peak - p.idle), p.seconds.toFixed(1)]));
  }
}
console.log(`\n${lines.join("\n")}\n`);

for (const r of results) {
  for (const [what, over] of [
    ["ingest", r.ingest.peak - r.baseStore.peak],
    ["serve", servePeak(r) - r.baseServe.peak],
  ] as const) {
    console.log(`${mib(r.size)} MiB ${what}: ${fmt(over)} MiB above the baseline (target <= ${LIMIT_MIB}: ${mib(over) <= LIMIT_MIB ? "met" : "MISSED"})`);
  }
}
if (results.length >= 2) {
  const [a, b] = [results[0]!, results[results.length - 1]!];
  for (const [what, pa, pb] of [
    ["gateway ingest", a.ingest.peak, b.ingest.peak],
    ["gateway serve", servePeak(a), servePeak(b)],
    ["baseline store", a.baseStore.peak, b.baseStore.peak],
    ["baseline serve", a.baseServe.peak, b.baseServe.peak],
  ] as const) {
    const growth = mib(pb - pa);
    console.log(
      `${what}: peak ${growth >= 0 ? "+" : ""}${growth.toFixed(0)} MiB from ${mib(a.size)} to ${mib(b.size)} MiB (no growth = within ${GROWTH_TOLERANCE_MIB} MiB: ${growth <= GROWTH_TOLERANCE_MIB ? "met" : "MISSED"})`,
    );
  }
}
