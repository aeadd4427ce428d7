// Entry point of the vendor simulator: one node:http server speaking Kling, Vidu, Jimeng and Ark side by side
// (their paths do not overlap), plus the media files and the /__sim/ control API.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ark } from "./ark.ts";
import { handleControl } from "./control.ts";
import type { Credentials, Sim, SimConfig } from "./core.ts";
import { createSim, resetSim } from "./core.ts";
import { SIM_CREDENTIALS } from "./credentials.ts";
import { serveFile } from "./files.ts";
import { readRequest, sendJson } from "./http.ts";
import { jimeng } from "./jimeng.ts";
import { kling } from "./kling.ts";
import { vidu } from "./vidu.ts";

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Origin put into media URLs (default: the listen URL). */
  publicUrl?: string;
  delayMs?: number;
  credentials?: {
    KLING_ACCESS_KEY?: string;
    KLING_SECRET_KEY?: string;
    VIDU_API_KEY?: string;
    VOLC_ACCESS_KEY_ID?: string;
    VOLC_SECRET_ACCESS_KEY?: string;
    ARK_API_KEY?: string;
  };
}

export interface Simulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

const PROTOCOLS = [kling, vidu, jimeng, ark];

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? "127.0.0.1";
  const verbose = process.env.SIM_VERBOSE === "1";
  const credentials: Credentials = { ...SIM_CREDENTIALS, ...stripUndefined(options.credentials ?? {}) };
  const config: SimConfig = {
    delayMs: options.delayMs ?? 3000,
    callbacks: true,
    callbackDelayMs: 0,
    callbackRetryDelayMs: 1000,
    video: "normal",
    chunked: false,
    sizeBytes: null,
    urlTtlMs: null,
    maxConcurrent: null,
    checkImages: true,
    uniqueFiles: false,
  };
  const sim = createSim({ publicUrl: "", credentials, config, protocols: PROTOCOLS });

  const server = createServer((req, res) => {
    const started = Date.now();
    if (verbose) {
      res.on("finish", () => console.log(`${req.method} ${req.url} -> ${res.statusCode} ${Date.now() - started}ms`));
    }
    route(sim, req, res).catch((err: unknown) => {
      console.error("simulator error:", err);
      if (!res.headersSent) sendJson(res, 500, { error: "simulator internal error" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  sim.publicUrl = (options.publicUrl ?? url).replace(/\/+$/, "");

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        resetSim(sim);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(sim: Sim, rawReq: IncomingMessage, res: ServerResponse): Promise<void> {
  const req = await readRequest(rawReq);
  if (await handleControl(sim, req, res)) return;
  if (await serveFile(sim, req, res)) return;
  for (const p of PROTOCOLS) if (await p.handle(sim, req, res)) return;
  sendJson(res, 404, { error: `no simulated vendor route for ${req.method} ${req.url.pathname}` });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
