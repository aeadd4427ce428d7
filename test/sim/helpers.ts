// Test-side clients for the simulator. The signers here are written independently of simulator/, so a
// test passing means two implementations agree, not that one agrees with itself.
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32, deflateSync } from "node:zlib";
import { SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { SIM_CREDENTIALS } from "../../simulator/credentials.ts";
import type { Simulator } from "../../simulator/server.ts";
import { startSimulator } from "../../simulator/server.ts";

export const CREDS = SIM_CREDENTIALS;
export const SAMPLE = readFileSync(new URL("../../simulator/assets/sample.mp4", import.meta.url));
export const MOOV_AT_END = readFileSync(new URL("../../simulator/assets/moov-at-end.mp4", import.meta.url));

function startSim(delayMs = 300): Promise<Simulator> {
  return startSimulator({ port: 0, delayMs, credentials: CREDS });
}

/**
 * One simulator for the whole test file, reset before each test (then `afterReset`, e.g. to set config).
 * The handle is usable from the tests on, once beforeAll has started the simulator.
 */
export function useSimulator(delayMs: number, afterReset?: (sim: Simulator) => Promise<unknown>): Simulator {
  let started: Simulator | undefined;
  const current = () =>
    started ??
    (() => {
      throw new Error("the simulator is not started yet");
    })();
  const sim: Simulator = {
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    close: () => current().close(),
  };
  beforeAll(async () => {
    started = await startSim(delayMs);
  });
  afterAll(() => started?.close());
  beforeEach(async () => {
    await control(sim, "POST", "/reset");
    await afterReset?.(sim);
  });
  return sim;
}

/** Creates a Kling text-to-video task and waits for its video URL. */
export async function finishedKlingVideo(sim: Simulator, prompt = "a"): Promise<{ id: string; url: string }> {
  const path = "/v1/videos/text2video";
  const id = (await kling(sim, "POST", path, { prompt })).body.data.task_id;
  const url = await waitFor(async () => {
    const d = (await kling(sim, "GET", `${path}/${id}`)).body.data;
    return d.task_status === "succeed" ? (d.task_result.videos[0].url as string) : undefined;
  });
  return { id, url };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // parsed JSON of any shape
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, headers: res.headers, body };
}

export async function control(sim: Simulator, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${sim.url}/__sim${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return reply(res);
}

// ---- Kling ---------------------------------------------------------------------------------------

export async function klingToken(opts: { iss?: string; secret?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: opts.iss ?? CREDS.KLING_ACCESS_KEY, exp: opts.exp ?? now + 1800, nbf: opts.nbf ?? now - 5 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(opts.secret ?? CREDS.KLING_SECRET_KEY));
}

export async function kling(sim: Simulator, method: string, path: string, body?: unknown, token?: string | null): Promise<Reply> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token ?? (await klingToken())}`;
  const res = await fetch(sim.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return reply(res);
}

// ---- Vidu ----------------------------------------------------------------------------------------

export async function vidu(sim: Simulator, method: string, path: string, body?: unknown, authorization?: string): Promise<Reply> {
  const res = await fetch(sim.url + path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: authorization ?? `Token ${CREDS.VIDU_API_KEY}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return reply(res);
}

/** Independent check of Vidu's callback signature (§3.7), as a gateway would do it. */
export function viduSignatureValid(secret: string, registeredUrl: string, headers: IncomingHttpHeaders): boolean {
  const u = new URL(registeredUrl);
  const names = String(headers["x-hmac-signed-headers"]).split(";");
  let s = `POST\n${u.pathname}\n${u.search.slice(1)}\nvidu\n${headers.date}\n`;
  for (const n of names) s += `${n}:${headers[n.toLowerCase()]}\n`;
  const want = createHmac("sha256", secret).update(s).digest("base64");
  return headers["x-hmac-signature"] === want && headers["x-hmac-algorithm"] === "hmac-sha256" && headers["x-hmac-access-key"] === "vidu";
}

// ---- Jimeng / Volcengine -------------------------------------------------------------------------

const hmac = (k: string | Buffer, d: string) => createHmac("sha256", k).update(d).digest();
const sha = (d: string | Buffer) => createHash("sha256").update(d).digest("hex");

/** A second SigV4 signer (the simulator only verifies); headers include Host as fetch will send it. */
export function volcSign(opts: {
  host: string;
  query: string;
  body: string;
  ak?: string;
  sk?: string;
  date?: Date;
  signed?: string[];
}): Record<string, string> {
  const xDate = (opts.date ?? new Date())
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const short = xDate.slice(0, 8);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: opts.host,
    "x-content-sha256": sha(opts.body),
    "x-date": xDate,
  };
  const signed = opts.signed ?? ["content-type", "host", "x-content-sha256", "x-date"];
  const query = opts.query.split("&").sort().join("&");
  const canonical = ["POST", "/", query, signed.map((h) => `${h}:${headers[h]}\n`).join(""), signed.join(";"), sha(opts.body)].join("\n");
  const scope = `${short}/cn-north-1/cv/request`;
  const toSign = `HMAC-SHA256\n${xDate}\n${scope}\n${sha(canonical)}`;
  const key = hmac(hmac(hmac(hmac(opts.sk ?? CREDS.VOLC_SECRET_ACCESS_KEY, short), "cn-north-1"), "cv"), "request");
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  const { host: _host, ...rest } = headers;
  return {
    ...rest,
    Authorization: `HMAC-SHA256 Credential=${opts.ak ?? CREDS.VOLC_ACCESS_KEY_ID}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`,
  };
}

export async function jimeng(
  sim: Simulator,
  action: string,
  body: unknown,
  opts: { ak?: string; sk?: string; tamper?: (body: string) => string; headers?: (h: Record<string, string>) => Record<string, string> } = {},
): Promise<Reply> {
  const query = `Action=${action}&Version=2022-08-31`;
  const text = JSON.stringify(body);
  let headers = volcSign({ host: new URL(sim.url).host, query, body: text, ak: opts.ak, sk: opts.sk });
  if (opts.headers) headers = opts.headers(headers);
  const res = await fetch(`${sim.url}/?${query}`, { method: "POST", headers, body: opts.tamper ? opts.tamper(text) : text });
  return reply(res);
}

// ---- misc ----------------------------------------------------------------------------------------

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 8000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function download(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A black RGB PNG of the given size, for the vendors' image-size rules. */
export function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any; // parsed JSON of any shape
}

/** A local callback receiver; `status` decides each answer (default 200). */
export async function receiver(status: (r: Received, n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // raw
      }
      const r: Received = { path: req.url ?? "", headers: req.headers, body };
      received.push(r);
      res.writeHead(status(r, received.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
