// Runs the gateway (`wrangler dev`) beside the vendor simulator, wired together with matching credentials.
// Used by `npm start`, the end-to-end tests and the benchmarks.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SIM_CREDENTIALS } from "../simulator/credentials.ts";

export const LOCAL_API_KEY = "sk-local-dev";
/** The operator's key of the admin routes (/v1/admin/*) in local runs. */
export const LOCAL_ADMIN_KEY = "sk-local-admin";

/** The single-account variables each `*_ACCOUNTS` replaces: a stack given the list drops them (both is an error). */
const SINGLE_ACCOUNT_VARS: Record<string, string[]> = {
  KLING_ACCOUNTS: ["KLING_ACCESS_KEY", "KLING_SECRET_KEY"],
  VIDU_ACCOUNTS: ["VIDU_API_KEY"],
  VOLC_ACCOUNTS: ["VOLC_ACCESS_KEY_ID", "VOLC_SECRET_ACCESS_KEY"],
  ARK_ACCOUNTS: ["ARK_API_KEY"],
};

export interface StackOptions {
  port: number;
  simPort: number;
  /** Where wrangler keeps local state; the same dir across restarts keeps tasks. */
  persistTo: string;
  /**
   * Extra or overriding gateway variables (e.g. POLL_INTERVALS). A `*_ACCOUNTS` list (e.g. of SIM_ACCOUNTS) replaces
   * the simulator's default account of that vendor.
   */
  vars?: Record<string, string>;
  simEnv?: Record<string, string>;
  /** Inherit stdio (npm start) instead of capturing it. */
  inherit?: boolean;
  apiKeys?: Record<string, string>;
  adminKeys?: Record<string, string>;
}

export interface Stack {
  gatewayUrl: string;
  simUrl: string;
  gateway: ChildProcess;
  simulator: ChildProcess;
  /** Stops the gateway only (crash tests restart it on the same state). */
  stopGateway(signal?: NodeJS.Signals): Promise<void>;
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function gatewayVars(options: StackOptions): Record<string, string> {
  const sim = `http://127.0.0.1:${options.simPort}`;
  const keys = options.apiKeys ?? { local: LOCAL_API_KEY };
  const credentials: Record<string, string> = { ...SIM_CREDENTIALS };
  for (const [list, singles] of Object.entries(SINGLE_ACCOUNT_VARS)) {
    if (options.vars?.[list]) for (const name of singles) delete credentials[name];
  }
  const digests = (entries: Record<string, string>) =>
    Object.entries(entries)
      .map(([label, key]) => `${label}:${sha256(key)}`)
      .join(",");
  return {
    ...credentials,
    KLING_BASE_URL: sim,
    VIDU_BASE_URL: sim,
    JIMENG_BASE_URL: sim,
    ARK_BASE_URL: sim,
    API_KEYS: digests(keys),
    ADMIN_API_KEYS: digests(options.adminKeys ?? { local: LOCAL_ADMIN_KEY }),
    URL_SIGNING_SECRET: "local-dev-url-signing-secret",
    WEBHOOK_SECRET: "whsec_bG9jYWwtZGV2LXdlYmhvb2stc2VjcmV0",
    POLL_INTERVALS: "2s,5s,10s,30s",
    TASK_DEADLINE: "2h",
    ...options.vars,
  };
}

/** A value for the env file: dotenv keeps single-quoted text as it is, so JSON (`*_ACCOUNTS`) survives its quotes. */
function envValue(value: string): string {
  return value.includes('"') && !value.includes("'") ? `'${value}'` : JSON.stringify(value);
}

async function waitForHttp(url: string, child: ChildProcess, what: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs} ms`);
}

/** Piped output nobody reads would fill the pipe and stall the child; flowing mode drops what no listener takes. */
function drain(child: ChildProcess): void {
  child.stdout?.resume();
  child.stderr?.resume();
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

/** The D1 schema (migrations/) into the local state, as production gets it: idempotent, so every start runs it. */
function applyMigrations(root: string, persistTo: string, stdio: "inherit" | "pipe"): void {
  const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
  const args = [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo];
  // CI=true: wrangler applies without asking for confirmation.
  const result = spawnSync(process.execPath, args, { cwd: root, stdio, env: { ...process.env, CI: "true" }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`wrangler d1 migrations apply failed (${result.status}): ${result.stderr ?? ""}${result.stdout ?? ""}`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const root = join(import.meta.dirname, "..");
  const stdio = options.inherit ? "inherit" : "pipe";
  const simulator = spawn(process.execPath, [join(root, "simulator/main.ts")], {
    cwd: root,
    stdio,
    env: { ...process.env, ...SIM_CREDENTIALS, SIM_PORT: String(options.simPort), ...options.simEnv },
  });
  drain(simulator);
  simulator.stderr?.pipe(process.stderr); // a simulator that crashes must say why
  const simUrl = `http://127.0.0.1:${options.simPort}`;

  mkdirSync(options.persistTo, { recursive: true });
  const envFile = join(options.persistTo, "gateway.env");
  writeFileSync(
    envFile,
    `${Object.entries(gatewayVars(options))
      .map(([k, v]) => `${k}=${envValue(v)}`)
      .join("\n")}\n`,
  );
  const gatewayUrl = `http://127.0.0.1:${options.port}`;

  const stack: Stack = {
    gatewayUrl,
    simUrl,
    simulator,
    gateway: undefined as unknown as ChildProcess,
    async startGateway() {
      applyMigrations(root, options.persistTo, stdio);
      // detached: wrangler and its workerd share a process group, so a crash test can kill both at once.
      // Run wrangler with this Node (>= 22), whatever `node` is first on PATH.
      stack.gateway = spawn(
        process.execPath,
        [
          join(root, "node_modules/wrangler/bin/wrangler.js"),
          "dev",
          "--ip",
          "127.0.0.1",
          "--port",
          String(options.port),
          "--persist-to",
          options.persistTo,
          "--env-file",
          envFile,
          "--show-interactive-dev-session=false",
          "--log-level",
          options.inherit ? "info" : "warn",
        ],
        { cwd: root, stdio, detached: !options.inherit, env: { ...process.env, CI: "true" } },
      );
      drain(stack.gateway);
      await waitForHttp(`${gatewayUrl}/v1/models`, stack.gateway, "wrangler dev");
    },
    async stopGateway(signal = "SIGTERM") {
      const child = stack.gateway;
      if (!child || child.exitCode !== null) return;
      try {
        if (child.pid && !options.inherit) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
      await exited(child);
    },
    async stop() {
      await stack.stopGateway();
      simulator.kill("SIGTERM");
      await exited(simulator);
    },
  };
  try {
    await waitForHttp(`${simUrl}/__sim/health`, simulator, "the vendor simulator");
    await stack.startGateway();
  } catch (err) {
    await stack.stop(); // never leave a child behind
    throw err;
  }
  return stack;
}
