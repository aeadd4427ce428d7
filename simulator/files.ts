// The vendors' media CDN stand-in: serves the sample MP4 (or a deliberately bad variant) for finished tasks.
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { Sim, Vendor } from "./core.ts";
import { VENDORS, effectiveFiles, protocol, urlSignature } from "./core.ts";
import { applyFault } from "./faults.ts";
import type { SimRequest } from "./http.ts";
import { header, sendRaw } from "./http.ts";

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));
export const SAMPLE_MP4 = asset("sample.mp4");
export const MOOV_AT_END_MP4 = asset("moov-at-end.mp4");
export const COVER_JPG = asset("cover.jpg");
/** Duration of the sample as vendors report it (ffprobe format duration). */
export const SAMPLE_DURATION = "5.042";

const HTML_PAGE =
  "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>" +
  "<body><h1>404 Not Found</h1><p>The requested object does not exist or the link has expired.</p></body></html>\n";

/** Handles `/files/{vendor}/{taskId}.{mp4|jpg}`; returns false for other paths. */
export async function serveFile(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  const m = /^\/files\/([a-z]+)\/([^/]+)\.(mp4|jpg)$/.exec(req.url.pathname);
  if (!m) return false;
  const vendor = m[1] as Vendor;
  const task = sim.tasks.get(decodeURIComponent(m[2]!));
  if (!VENDORS.includes(vendor) || !task || task.vendor !== vendor || task.phase !== "succeeded") {
    sendRaw(res, 404, HTML_PAGE, "text/html; charset=utf-8");
    return true;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendRaw(res, 405, "method not allowed\n", "text/plain", { Allow: "GET, HEAD" });
    return true;
  }
  sim.stats[vendor].download++;
  const opts = effectiveFiles(sim, task);
  if (!urlStillValid(sim, req, opts.urlTtlMs !== null)) {
    sendRaw(res, 403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', "application/xml");
    return true;
  }
  if (await applyFault(sim, protocol(sim, vendor), "download", res)) return true;

  if (m[3] === "jpg") {
    sendBytes(req, res, COVER_JPG, "image/jpeg");
    return true;
  }
  switch (opts.video) {
    case "html":
      sendRaw(res, 200, HTML_PAGE, "text/html; charset=utf-8");
      return true;
    case "truncated":
      sendTruncated(req, res, SAMPLE_MP4);
      return true;
    default: {
      const bytes = opts.video === "moov-at-end" ? MOOV_AT_END_MP4 : SAMPLE_MP4;
      if (opts.chunked) sendChunked(req, res, bytes);
      else sendBytes(req, res, bytes, "video/mp4");
      return true;
    }
  }
}

/** URLs minted with a TTL carry expires+signature; when a TTL is in force an unsigned URL is refused too. */
function urlStillValid(sim: Sim, req: SimRequest, ttlInForce: boolean): boolean {
  const expires = req.url.searchParams.get("expires");
  const signature = req.url.searchParams.get("signature");
  if (expires === null && signature === null) return !ttlInForce;
  if (!expires || !signature || Number(expires) < Date.now()) return false;
  const want = Buffer.from(urlSignature(sim, req.url.pathname, expires));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Plain response with Content-Length and single-range support, like a CDN. */
function sendBytes(req: SimRequest, res: ServerResponse, bytes: Buffer, type: string): void {
  const headers: Record<string, string> = { "Content-Type": type, "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600" };
  const range = parseRange(header(req.headers, "range"), bytes.length);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${bytes.length}`, "Content-Length": "0" }).end();
    return;
  }
  const [start, end] = range ?? [0, bytes.length - 1];
  const status = range ? 206 : 200;
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${bytes.length}`;
  headers["Content-Length"] = String(end - start + 1);
  res.writeHead(status, headers);
  res.end(req.method === "HEAD" ? undefined : bytes.subarray(start, end + 1));
}

/** No Content-Length: Node falls back to chunked transfer encoding. Ranges are not offered. */
function sendChunked(req: SimRequest, res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { "Content-Type": "video/mp4" });
  if (req.method === "HEAD") return void res.end();
  const CHUNK = 16 * 1024;
  for (let i = 0; i < bytes.length; i += CHUNK) res.write(bytes.subarray(i, i + CHUNK));
  res.end();
}

/** Announces the full length, sends about half, then drops the connection. */
function sendTruncated(req: SimRequest, res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { "Content-Type": "video/mp4", "Content-Length": String(bytes.length) });
  if (req.method === "HEAD") return void res.end();
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
    setTimeout(() => res.socket?.destroy(), 20);
  });
}

/** Single `bytes=` range; multi-range requests are answered with the whole file (allowed by RFC 9110). */
function parseRange(value: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start >= size || end < start) return "unsatisfiable";
  }
  return [start, end];
}
