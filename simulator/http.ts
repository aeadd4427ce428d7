// Small node:http helpers; the simulator has no framework so every byte on the wire is deliberate.

import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";

export interface SimRequest {
  method: string;
  /** Parsed request URL (host part is a placeholder; use path and query only). */
  url: URL;
  /** Query string exactly as received, without "?" (signatures are computed over it). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Vendors cap request bodies well below this; the cap only protects the simulator itself. */
const MAX_BODY = 128 * 1024 * 1024;

export async function readRequest(req: IncomingMessage): Promise<SimRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  return {
    method: (req.method ?? "GET").toUpperCase(),
    url: new URL(target, "http://sim.invalid"),
    rawQuery: q >= 0 ? target.slice(q + 1) : "",
    headers: req.headers,
    body: Buffer.concat(chunks),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, JSON.stringify(body), "application/json; charset=utf-8", headers);
}

export function sendRaw(res: ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const buf = Buffer.from(text, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": String(buf.length), ...headers });
  res.end(buf);
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

/** Decimal id of `digits` digits, the shape Vidu and Jimeng task ids have. */
export function numericId(digits: number): string {
  let s = String(1 + ((randomBytes(1)[0] ?? 0) % 9));
  while (s.length < digits) s += String(randomBytes(1)[0]! % 10);
  return s;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
