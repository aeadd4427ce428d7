// Delivery throughput: a 200 MiB video through the gateway's signed URL (wrangler dev, local R2) vs the same bytes
// from a plain Node file server (fs.createReadStream piped into the response), measured in the same run, several
// rounds, in rotating order. Each round stores a new video and reads it cold (the first GET, which misses the edge
// cache and fills it) and warm (the next GET, from the cache). Targets: cold / plain >= 0.8, warm / plain >= 0.95.
//
//   npx node bench/delivery.ts [--size-mib 200] [--rounds 5]
//
// Ports: gateway 18843, simulator 18844, plain file server 18849. Everything it starts is stopped, temp dirs removed.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { get, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { LOCAL_API_KEY, type Stack, startStack } from "../scripts/local-stack.ts";
import { median, row } from "./stats.ts";

const { values: args } = parseArgs({ options: { "size-mib": { type: "string", default: "200" }, rounds: { type: "string", default: "5" } } });
const MiB = 2 ** 20;
const SIZE = Number(args["size-mib"]) * MiB;
const ROUNDS = Number(args.rounds);
const PORTS = { port: 18843, simPort: 18844, plain: 18849 };

const auth = { authorization: `Bearer ${LOCAL_API_KEY}` };

/** GETs `url` with a plain node:http client, discarding the body; bytes, seconds and response headers. */
function timedGet(url: string, headers: Record<string, string> = {}, sink?: (chunk: Buffer) => void) {
  return new Promise<{ bytes: number; seconds: number; firstByteS: number; status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e9;
    get(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      let firstByteS = 0;
      res.on("data", (chunk: Buffer) => {
        if (bytes === 0) firstByteS = since();
        bytes += chunk.length;
        sink?.(chunk);
      });
      res.on("end", () => resolve({ bytes, seconds: since(), firstByteS, status: res.statusCode ?? 0, headers: res.headers }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

function timedHead(url: string) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    request(url, { method: "HEAD", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.headers));
    })
      .on("error", reject)
      .end();
  });
}

async function api(stack: Stack, path: string, init: RequestInit = {}) {
  const res = await fetch(`${stack.gatewayUrl}${path}`, { ...init, headers: { ...auth, "content-type": "application/json", ...init.headers } });
  return (await res.json()) as Record<string, any>;
}

async function waitSucceeded(stack: Stack, id: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const task = await api(stack, `/v1/video/generations/${id}?wait=30`);
    if (task.status !== "processing") return task;
    if (Date.now() > until) throw new Error(`task ${id} still processing after ${timeoutMs} ms`);
  }
}

function startPlainServer(file: string, port: number): Promise<ChildProcess> {
  // A separate process, as the gateway is: the client in this process must not share the server's event loop.
  const code = `
    import { createReadStream, statSync } from "node:fs";
    import { createServer } from "node:http";
    const file = process.argv[1];
    createServer((req, res) => {
      res.writeHead(200, { "content-type": "video/mp4", "content-length": String(statSync(file).size) });
      createReadStream(file).pipe(res);
    }).listen(Number(process.argv[2]), "127.0.0.1", () => console.log("ready"));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code, file, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () => resolve(child));
    child.once("exit", (c) => reject(new Error(`plain file server exited with ${c}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), "vgw-bench-delivery-"));
let stack: Stack | undefined;
let plain: ChildProcess | undefined;
try {
  console.log(`Starting wrangler dev on ${PORTS.port} and the simulator on ${PORTS.simPort} …`);
  stack = await startStack({
    port: PORTS.port,
    simPort: PORTS.simPort,
    persistTo: join(dir, "state"),
    vars: { POLL_INTERVALS: "1s" },
    simEnv: { SIM_DELAY_MS: "300" },
  });
  await fetch(`${stack.simUrl}/__sim/config`, { method: "PUT", body: JSON.stringify({ sizeBytes: SIZE }) });
  const created = await api(stack, "/v1/video/generations", { method: "POST", body: JSON.stringify({ model: "kling-v1", prompt: "delivery benchmark" }) });
  const ingestStarted = Date.now();
  const task = await waitSucceeded(stack, created.task_id, 10 * 60_000);
  if (task.status !== "succeeded") throw new Error(`task failed: ${JSON.stringify(task.error)}`);
  console.log(`Task ${task.task_id} succeeded in ${((Date.now() - ingestStarted) / 1000).toFixed(1)} s: ${JSON.stringify(task.metadata)}`);

  // The same bytes on disk, taken from the gateway itself (which also primes its edge cache), checked by hash.
  const file = join(dir, "video.mp4");
  const viaGateway = createHash("sha256");
  const first = await timedGet(task.url, {}, (c) => viaGateway.update(c));
  const out = createWriteStream(file);
  await pipeline((await fetch(task.url)).body!, out);
  const onDisk = createHash("sha256");
  await pipeline((await import("node:fs")).createReadStream(file), onDisk);
  const fromSim = createHash("sha256");
  const simTask = ((await (await fetch(`${stack.simUrl}/__sim/tasks`)).json()) as { tasks: any[] }).tasks.find((t) => t.externalId === task.task_id);
  await pipeline((await fetch(`${stack.simUrl}/files/kling/${simTask.id}.mp4`)).body!, fromSim);
  const hashes = new Set([viaGateway.digest("hex"), onDisk.digest("hex"), fromSim.digest("hex")]);
  if (first.bytes !== SIZE || statSync(file).size !== SIZE || hashes.size !== 1) throw new Error("the gateway's bytes differ from the vendor's");
  console.log(`Gateway bytes = vendor bytes = file on disk (${SIZE} bytes, sha256 ${[...hashes][0]!.slice(0, 16)}…)`);

  plain = await startPlainServer(file, PORTS.plain);
  const plainUrl = `http://127.0.0.1:${PORTS.plain}/video.mp4`;
  // Each round downloads a video no one has read yet: the first GET misses the edge cache (cold), the next one
  // after it hits (warm). "R2 path" sends If-Range, which the gateway serves from R2 without the cache.
  const names = ["cold", "warm", "R2 path", "plain"] as const;
  type Name = (typeof names)[number];
  await timedGet(plainUrl); // warm-up, not counted
  const results: Record<Name, number[]> = { cold: [], warm: [], "R2 path": [], plain: [] };
  const coldFirstByte: number[] = [];
  const lines = [
    row(["round", "order", ...names.map((n) => `${n} MiB/s`), "cold first byte ms", "cold / plain", "warm / plain"]),
    row(["---:", "---", ...names.map(() => "---:"), "---:", "---:", "---:"]),
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    const fresh = await api(stack, "/v1/video/generations", { method: "POST", body: JSON.stringify({ model: "kling-v1", prompt: `delivery round ${round}` }) });
    const video = await waitSucceeded(stack, fresh.task_id, 10 * 60_000);
    if (video.status !== "succeeded") throw new Error(`round ${round}: task failed: ${JSON.stringify(video.error)}`);
    const freshEtag = String((await timedHead(video.url)).etag);
    await sleep(2000); // the ingest's last writes settle before anything is timed
    const contenders: Record<Name, () => ReturnType<typeof timedGet>> = {
      cold: () => timedGet(video.url),
      warm: () => timedGet(video.url),
      "R2 path": () => timedGet(video.url, { "if-range": freshEtag }),
      plain: () => timedGet(plainUrl),
    };
    // cold comes before warm; the others take turns before, between and after them.
    const orders: Name[][] = [
      ["plain", "cold", "warm", "R2 path"],
      ["cold", "R2 path", "warm", "plain"],
      ["R2 path", "cold", "plain", "warm"],
      ["cold", "warm", "plain", "R2 path"],
    ];
    const order = orders[(round - 1) % orders.length]!;
    const speeds: Partial<Record<Name, number>> = {};
    for (const name of order) {
      const r = await contenders[name]();
      if (r.bytes !== SIZE || r.status !== 200) throw new Error(`${name}: ${r.status}, ${r.bytes} bytes`);
      speeds[name] = SIZE / MiB / r.seconds;
      results[name].push(speeds[name]!);
      if (name === "cold") coldFirstByte.push(r.firstByteS);
    }
    const line = row([
      round,
      order.join(" → "),
      ...names.map((n) => speeds[n]!.toFixed(0)),
      (coldFirstByte.at(-1)! * 1000).toFixed(0),
      (speeds.cold! / speeds.plain!).toFixed(2),
      (speeds.warm! / speeds.plain!).toFixed(2),
    ]);
    lines.push(line);
    console.log(line);
  }
  const med = Object.fromEntries(names.map((n) => [n, median(results[n])])) as Record<Name, number>;
  const cold = med.cold / med.plain;
  const warm = med.warm / med.plain;
  lines.push(
    row([
      "**median**",
      "",
      ...names.map((n) => `**${med[n].toFixed(0)}**`),
      `**${(median(coldFirstByte) * 1000).toFixed(0)}**`,
      `**${cold.toFixed(2)}**`,
      `**${warm.toFixed(2)}**`,
    ]),
  );
  console.log(`\nDelivery of ${SIZE / MiB} MiB, ${ROUNDS} rounds (node:http client, loopback, ${new Date().toISOString()})\n`);
  console.log(lines.join("\n"));
  console.log(
    `\ncold / plain = ${cold.toFixed(2)} (target >= 0.8: ${cold >= 0.8 ? "met" : "MISSED"}); warm / plain = ${warm.toFixed(2)} (target >= 0.95: ${warm >= 0.95 ? "met" : "MISSED"}); R2 path / plain = ${(med["R2 path"] / med.plain).toFixed(2)}`,
  );
} finally {
  plain?.kill();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
}
