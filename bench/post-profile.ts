// A CPU profile of the gateway's Worker isolate (its routes and its Durable Objects) during a storm of concurrent
// POST /v1/video/generations, taken through `wrangler dev`'s inspector (V8's sampling profiler), summarised by where
// the JavaScript time goes. The isolate's idle share says how much of the storm's wall time the gateway's own
// JavaScript was NOT the bottleneck (then the time goes to the runtime: storage, R2, Workflows, the proxy).
//
//   npx node bench/post-profile.ts [--posts 200] [--out /tmp/posts.cpuprofile]
//
// Ports: gateway 18873, simulator 18874; the inspector is wrangler's default, 9229 (nothing else may hold it).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_API_KEY, startStack } from "../scripts/local-stack.ts";
import { row } from "./stats.ts";

const { values: args } = parseArgs({ options: { posts: { type: "string", default: "200" }, out: { type: "string" } } });
const POSTS = Number(args.posts);
const INSPECTOR = "http://127.0.0.1:9229";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function inspector(url: string) {
  // The inspector proxy only takes connections that name a local Origin (Node's WebSocket sends none by itself).
  const ws = new WebSocket(url, { headers: { origin: "http://localhost" } } as never);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 0;
  const pending = new Map<number, (result: any) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  return {
    send: (method: string, params: object = {}) =>
      new Promise<any>((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The bundle's module markers (`// src/tasks/create.ts`, `// node_modules/hono/...`), by line. */
let modules: { line: number; name: string }[] = [];

function readBundle(): void {
  const tmp = join(import.meta.dirname, "../.wrangler/tmp");
  const dirs = readdirSync(tmp)
    .filter((d) => d.startsWith("dev-"))
    .map((d) => ({ d, at: statSync(join(tmp, d)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  const lines = readFileSync(join(tmp, dirs[0]!.d, "index.js"), "utf8").split("\n");
  modules = lines.flatMap((text, i) => {
    const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
    return m ? [{ line: i, name: m[1]!.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+).*$/, "$1") }] : [];
  });
}

/** The module of a line of the bundle (the last marker before it). */
function moduleAt(line: number): string {
  let found = "index.js";
  for (const m of modules) {
    if (m.line > line) break;
    found = m.name;
  }
  return found;
}

/** Where a function comes from: our src/ module, a dependency, or the runtime. */
function origin(url: string, line = 0): string {
  if (!url) return "(runtime / native)";
  if (url.endsWith("/index.js") || url === "index.js") return moduleAt(line);
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  const own = /\/(src\/.+?\.ts)/.exec(url);
  if (own) return own[1]!;
  return url.replace(/^.*\//, "");
}

function summarise(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = profile.endTime - profile.startTime;
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const special = functionName.startsWith("(") ? functionName : null;
    const fn = special ?? `${functionName || "(anonymous)"} ${origin(url, lineNumber)}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const where = special ?? origin(url, lineNumber);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { total, byFunction: top(byFunction, 30), byOrigin: top(byOrigin, 25) };
}

const dir = mkdtempSync(join(tmpdir(), "vgw-profile-"));
const stack = await startStack({ port: 18873, simPort: 18874, persistTo: join(dir, "state"), simEnv: { SIM_DELAY_MS: "20000" } });
for (const s of [stack.gateway.stdout, stack.gateway.stderr, stack.simulator.stdout, stack.simulator.stderr]) s?.resume();
const auth = { authorization: `Bearer ${LOCAL_API_KEY}`, "content-type": "application/json" };
const post = (prompt: string) =>
  fetch(`${stack.gatewayUrl}/v1/video/generations`, { method: "POST", headers: auth, body: JSON.stringify({ model: "kling-v1", prompt }) });
try {
  for (let i = 0; i < 5; i++) await (await post(`warm-up ${i}`)).text();
  readBundle();
  const [target] = (await (await fetch(`${INSPECTOR}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const cdp = await inspector(target!.webSocketDebuggerUrl);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: POSTS }, (_, i) =>
      post(`profiled storm ${i}`).then(async (r) => {
        await r.text();
        return r.status;
      }),
    ),
  );
  const wallMs = performance.now() - started;
  const { profile } = (await cdp.send("Profiler.stop")) as { profile: Profile };
  cdp.close();
  if (args.out) writeFileSync(args.out, JSON.stringify(profile));
  const { total, byFunction, byOrigin } = summarise(profile);
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
  console.log(
    `${POSTS} POSTs (${statuses.filter((s) => s === 200).length} answered 200) in ${(wallMs / 1000).toFixed(1)} s; profile spans ${(total / 1e6).toFixed(1)} s of the isolate.\n`,
  );
  console.log(row(["where (self time)", "ms", "share"]));
  console.log(row(["---", "---:", "---:"]));
  for (const [name, us] of byOrigin) console.log(row([name, (us / 1000).toFixed(0), pct(us)]));
  console.log(`\n${row(["function (self time)", "ms", "share"])}`);
  console.log(row(["---", "---:", "---:"]));
  for (const [name, us] of byFunction) console.log(row([name.replaceAll("|", "\\|"), (us / 1000).toFixed(0), pct(us)]));
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
