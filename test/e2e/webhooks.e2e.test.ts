// The user's webhook (API.md §6) end to end: wrangler dev + simulator, a receiver on loopback in this process,
// and the official `standardwebhooks` package as the receiver's verifier.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayVars, LOCAL_API_KEY } from "../../scripts/local-stack.ts";
import { type E2E, type Json, startE2E } from "./stack.ts";

const PORTS = { port: 18861, simPort: 18862 };
const WEBHOOK_SECRET = gatewayVars({ ...PORTS, persistTo: "", apiKeys: { local: LOCAL_API_KEY } }).WEBHOOK_SECRET!;

interface Delivery {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback: records every request and answers each with the next reply scripted for its path. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly replies = new Map<string, Array<{ status: number; headers?: Record<string, string> }>>();
  private waiters: Array<() => void> = [];
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.deliveries.push({
          at: Date.now(),
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        const reply = this.replies.get(req.url ?? "")?.shift() ?? { status: 200 };
        res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
        res.end(reply.status < 300 ? "ok" : "not now");
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The replies for the next requests to `path`, in order; after them (and on other paths) every request gets 200. */
  script(path: string, ...replies: Array<{ status: number; headers?: Record<string, string> }>): void {
    this.replies.set(path, replies);
  }

  /** Resolves once `n` requests to `path` arrived. */
  async waitFor(path: string, n: number, timeoutMs: number): Promise<Delivery[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const got = this.deliveries.filter((d) => d.path === path);
      if (got.length >= n) return got;
      const left = until - Date.now();
      if (left <= 0) {
        const seen = this.deliveries.map((d) => `${new Date(d.at).toISOString()} ${d.path} ${d.headers["webhook-id"] ?? "-"}`);
        throw new Error(`only ${got.length} of ${n} deliveries to ${path} within ${timeoutMs} ms; seen: ${seen.join("; ") || "none"}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Sits between the gateway and the simulator's Kling API and records every request body the gateway sends to
 * the vendor, so the test can show metadata.callback_url never reaches a vendor.
 */
class VendorTap {
  readonly requests: Array<{ method: string; path: string; body: string }> = [];
  private server!: Server;
  url = "";
  private readonly target: string;

  constructor(target: string) {
    this.target = target;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", body: body.toString("utf8") });
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value === undefined || ["host", "connection", "content-length", "transfer-encoding"].includes(name)) continue;
          headers.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        try {
          const upstream = await fetch(`${this.target}${req.url}`, {
            method: req.method,
            headers,
            body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
          });
          const out = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
          res.end(out);
        } catch (err) {
          res.writeHead(502).end(String(err));
        }
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let e2e: E2E;
const receiver = new Receiver();
const tap = new VendorTap(`http://127.0.0.1:${PORTS.simPort}`);

beforeAll(async () => {
  await receiver.start();
  await tap.start();
  e2e = await startE2E(PORTS, { vars: { KLING_BASE_URL: tap.url }, simEnv: { SIM_DELAY_MS: "1000" } });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
  await receiver.close();
  await tap.close();
});

const verifier = () => new Webhook(WEBHOOK_SECRET);

/** The headers as `standardwebhooks` takes them. */
function headersOf(d: Delivery): Record<string, string> {
  return Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
}

async function create(json: Json): Promise<string> {
  const created = await e2e.api("/v1/video/generations", { method: "POST", json });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  expect(created.body.status).toBe("processing");
  return created.body.task_id as string;
}

describe("the user's webhook (metadata.callback_url)", () => {
  it("delivers the final task, signed per Standard Webhooks, retrying after the receiver failed the first attempt", async () => {
    receiver.script("/hook", { status: 500 });
    const hook = `${receiver.url}/hook`;
    const id = await create({ model: "kling-v1", prompt: "a lighthouse at dusk", duration: 5, metadata: { callback_url: hook, negative_prompt: "blur" } });

    const [first, second] = await receiver.waitFor("/hook", 2, 45_000);
    // The retry waited the schedule's first step (5 s) after the failed attempt.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_500);
    for (const d of [first!, second!]) {
      expect(d.method).toBe("POST");
      expect(d.headers["content-type"]).toMatch(/^application\/json/);
    }
    // The message id is the receivers' de-duplication key: the same on every attempt; each attempt has its own timestamp.
    expect(first!.headers["webhook-id"]).toBeTruthy();
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(Number(second!.headers["webhook-timestamp"])).toBeGreaterThan(Number(first!.headers["webhook-timestamp"]));

    // The official library accepts the delivered request with the stack's WEBHOOK_SECRET …
    const payload = verifier().verify(second!.body, headersOf(second!)) as Json;
    expect(verifier().verify(first!.body, headersOf(first!))).toEqual(payload);
    // … and refuses it under another secret or with a changed body.
    expect(() => new Webhook(`whsec_${Buffer.from("another-secret-another-secret").toString("base64")}`).verify(second!.body, headersOf(second!))).toThrow();
    expect(() => verifier().verify(second!.body.replace("succeeded", "failed"), headersOf(second!))).toThrow();

    // The payload is the task object exactly as GET returns it.
    const got = await e2e.api(`/v1/video/generations/${id}`);
    expect(got.status).toBe(200);
    expect(payload).toEqual(got.body);
    expect(payload).toMatchObject({ task_id: id, status: "succeeded", error: null });
    expect(payload.url).toMatch(new RegExp(`^${e2e.stack.gatewayUrl}/v1/video/generations/${id}/content\\?`));
    expect(payload.metadata).toMatchObject({ duration: expect.any(Number), fps: expect.any(Number), width: expect.any(Number), height: expect.any(Number) });
    const video = await fetch(payload.url);
    expect(video.status).toBe(200);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    await video.arrayBuffer();

    // Delivered means done: no third attempt.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(receiver.deliveries.filter((d) => d.path === "/hook")).toHaveLength(2);

    // metadata.callback_url never reached the vendor: not in the create body (seen on the wire), not as Kling's
    // callback_url (that one is the gateway's own), and the vendor never called the user's URL.
    const creates = tap.requests.filter((r) => r.method === "POST" && r.body.includes(id));
    expect(creates).toHaveLength(1);
    const sent = JSON.parse(creates[0]!.body) as Json;
    expect(sent).toMatchObject({ external_task_id: id, negative_prompt: "blur" });
    expect(sent.callback_url).toMatch(new RegExp(`^${e2e.stack.gatewayUrl}/v1/callbacks/kling/${id}\\?token=`));
    expect(creates[0]!.body).not.toContain(receiver.url);
    expect(tap.requests.some((r) => r.body.includes(receiver.url) || r.path.includes(receiver.url))).toBe(false);
    const simTask = (await e2e.sim<{ tasks: Json[] }>("/__sim/tasks")).tasks.find((t) => t.externalId === id)!;
    expect(simTask.callbackUrl).toBe(sent.callback_url);
    expect(JSON.stringify(simTask)).not.toContain(receiver.url);
    expect(receiver.deliveries.every((d) => typeof d.headers["webhook-signature"] === "string")).toBe(true);
  }, 60_000);

  it("delivers a failed task too", async () => {
    const id = await create({ model: "kling-v1", prompt: "[sim:fail] a storm", metadata: { callback_url: `${receiver.url}/failed-hook` } });
    const [delivery] = await receiver.waitFor("/failed-hook", 1, 30_000);
    const payload = verifier().verify(delivery!.body, headersOf(delivery!)) as Json;
    const got = await e2e.api(`/v1/video/generations/${id}`);
    expect(payload).toEqual(got.body);
    expect(payload).toMatchObject({ task_id: id, status: "failed", url: null });
    expect(payload.error).toMatchObject({ code: expect.any(String), message: expect.any(String), type: expect.any(String) });
  }, 45_000);

  it("delivers a cancelled task", async () => {
    const id = await create({ model: "kling-v1", prompt: "[sim:never] a slow dawn", metadata: { callback_url: `${receiver.url}/cancel-hook` } });
    const cancelled = await e2e.api(`/v1/video/generations/${id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    const [delivery] = await receiver.waitFor("/cancel-hook", 1, 30_000);
    const payload = verifier().verify(delivery!.body, headersOf(delivery!)) as Json;
    expect(payload).toEqual((await e2e.api(`/v1/video/generations/${id}`)).body);
    expect(payload).toMatchObject({ task_id: id, status: "failed", error: { code: "cancelled" } });
  }, 45_000);

  it("does not follow redirects: a 302 counts as a failed attempt and a retry follows", async () => {
    const elsewhere = `${receiver.url}/elsewhere`;
    receiver.script("/moved-hook", { status: 302, headers: { location: elsewhere } });
    const id = await create({ model: "kling-v1", prompt: "a paper boat", metadata: { callback_url: `${receiver.url}/moved-hook` } });
    const [first, second] = await receiver.waitFor("/moved-hook", 2, 45_000);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_500);
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(receiver.deliveries.filter((d) => d.path === "/elsewhere")).toHaveLength(0);
    const payload = verifier().verify(second!.body, headersOf(second!)) as Json;
    expect(payload).toMatchObject({ task_id: id, status: "succeeded" });
  }, 60_000);

  it.each([
    ["http to a non-loopback host", "http://example.com/hook"],
    ["http to a host that only starts like loopback", "http://127.0.0.1.example.com/hook"],
    ["ftp", "ftp://127.0.0.1/hook"],
    ["not a URL", "not a url"],
    ["a relative path", "/hook"],
  ])("refuses %s with 400 param metadata.callback_url, creating nothing", async (_what, callbackUrl) => {
    const before = (await e2e.sim<Json>("/__sim/stats")).kling.create as number;
    const answer = await e2e.api("/v1/video/generations", {
      method: "POST",
      json: { model: "kling-v1", prompt: "a kite", metadata: { callback_url: callbackUrl } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: "invalid_request_error", param: "metadata.callback_url" });
    expect(Object.keys(answer.body).sort()).toEqual(["code", "message", "param", "type"]);
    expect((await e2e.sim<Json>("/__sim/stats")).kling.create).toBe(before);
  });
});
