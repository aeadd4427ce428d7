// The /__sim/ control API for tests and benchmarks. Not a vendor protocol: plain JSON, {error} on failure.
import type { ServerResponse } from "node:http";
import { ACCOUNT_STATES, type AccountState } from "./accounts.ts";
import { createChaos, parseChaos } from "./chaos.ts";
import type { FileOptions, Sim, SimConfig, SimTask } from "./core.ts";
import { finish, isFinal, protocol, resetSim, VIDEO_VARIANTS } from "./core.ts";
import { parseFault } from "./faults.ts";
import { MIN_SYNTHETIC_BYTES } from "./files.ts";
import type { SimRequest } from "./http.ts";
import { sendJson } from "./http.ts";
import { isObject } from "./validate.ts";

const started = Date.now();

export async function handleControl(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  const path = req.url.pathname;
  if (!path.startsWith("/__sim/")) return false;
  const route = `${req.method} ${path.replace(/^\/__sim/, "").replace(/\/tasks\/[^/]+/, "/tasks/:id")}`;
  const bad = (status: number, error: string) => sendJson(res, status, { error });
  let body: unknown;
  if (req.body.length > 0) {
    try {
      body = JSON.parse(req.body.toString("utf8"));
    } catch {
      bad(400, "body is not valid JSON");
      return true;
    }
  }
  const id = decodeURIComponent(/^\/__sim\/tasks\/([^/]+)/.exec(path)?.[1] ?? "");
  const accountPath = /^\/__sim\/accounts\/([^/]+)\/([^/]+)$/.exec(path);
  if (accountPath && req.method === "PUT") {
    const err = setAccountState(sim, decodeURIComponent(accountPath[1]!), decodeURIComponent(accountPath[2]!), body);
    if (err) bad(err.status, err.error);
    else sendJson(res, 200, { accounts: accountsView(sim) });
    return true;
  }

  switch (route) {
    case "GET /health":
      sendJson(res, 200, { ok: true, uptimeMs: Date.now() - started, tasks: sim.tasks.size, publicUrl: sim.publicUrl });
      break;
    case "POST /reset":
      resetSim(sim);
      sendJson(res, 200, { ok: true });
      break;
    case "GET /config":
      sendJson(res, 200, sim.config);
      break;
    case "PUT /config": {
      const err = applyConfig(sim, body);
      if (err) bad(400, err);
      else sendJson(res, 200, sim.config);
      break;
    }
    case "GET /chaos":
      sendJson(res, 200, { chaos: sim.chaos?.config ?? null });
      break;
    case "PUT /chaos": {
      // Replacing the config restarts the dice, so a run that begins with this PUT is reproducible.
      const parsed = parseChaos(body);
      if (typeof parsed === "string") bad(400, parsed);
      else {
        sim.chaos = createChaos(parsed);
        sendJson(res, 200, { chaos: parsed });
      }
      break;
    }
    case "DELETE /chaos":
      sim.chaos = null;
      sendJson(res, 200, { chaos: null });
      break;
    case "GET /faults":
      sendJson(res, 200, { faults: sim.faults });
      break;
    case "POST /faults": {
      const items = Array.isArray(body) ? body : [body];
      const parsed = items.map(parseFault);
      const err = parsed.find((f) => typeof f === "string");
      if (err !== undefined) bad(400, err as string);
      else {
        for (const f of parsed) if (typeof f !== "string") sim.faults.push(f);
        sendJson(res, 200, { ok: true, queued: sim.faults.length });
      }
      break;
    }
    case "DELETE /faults":
      sim.faults = [];
      sendJson(res, 200, { ok: true });
      break;
    case "GET /tasks": {
      const vendor = req.url.searchParams.get("vendor");
      const tasks = [...sim.tasks.values()].filter((t) => !vendor || t.vendor === vendor);
      sendJson(res, 200, { tasks: tasks.map((t) => taskView(sim, t)) });
      break;
    }
    case "GET /tasks/:id":
    case "POST /tasks/:id/complete":
    case "PUT /tasks/:id/files": {
      const task = findTask(sim, id);
      if (!task) bad(404, `no task ${id}`);
      else if (route === "GET /tasks/:id") sendJson(res, 200, taskView(sim, task));
      else if (route === "PUT /tasks/:id/files") {
        const err = applyFiles(task, body);
        if (err) bad(400, err);
        else sendJson(res, 200, taskView(sim, task));
      } else {
        const err = complete(sim, task, body);
        if (err) bad(409, err);
        else sendJson(res, 200, taskView(sim, task));
      }
      break;
    }
    case "GET /accounts":
      sendJson(res, 200, { accounts: accountsView(sim) });
      break;
    case "GET /stats":
      sendJson(res, 200, sim.stats);
      break;
    default:
      bad(404, `unknown control route ${req.method} ${path}`);
  }
  return true;
}

/** Every vendor's accounts with their state and how many tasks each created; never a key. */
function accountsView(sim: Sim) {
  return sim.accounts.map((a) => ({
    vendor: a.vendor,
    name: a.name,
    state: a.state,
    tasks: [...sim.tasks.values()].filter((t) => t.vendor === a.vendor && t.account === a.name).length,
  }));
}

/** `PUT /__sim/accounts/{vendor}/{name}` with `{"state": "ok" | "no_credit" | "busy" | "revoked" | "suspended"}`. */
function setAccountState(sim: Sim, vendor: string, name: string, body: unknown): { status: number; error: string } | undefined {
  const account = sim.accounts.find((a) => a.vendor === vendor && a.name === name);
  if (!account) return { status: 404, error: `no ${vendor} account ${name}` };
  const state = isObject(body) ? body.state : undefined;
  if (!ACCOUNT_STATES.includes(state as AccountState)) return { status: 400, error: `state must be one of ${ACCOUNT_STATES.join(", ")}` };
  account.state = state as AccountState;
  return undefined;
}

function findTask(sim: Sim, id: string): SimTask | undefined {
  return sim.tasks.get(id) ?? [...sim.tasks.values()].find((t) => t.externalId === id);
}

const KIND_NAME = { kling: "family", vidu: "endpoint", jimeng: "req_key", ark: "scenario" } as const;

function taskView(sim: Sim, t: SimTask) {
  return {
    vendor: t.vendor,
    id: t.id,
    account: t.account,
    externalId: t.externalId ?? null,
    kind: t.kind,
    [KIND_NAME[t.vendor]]: t.kind,
    prompt: typeof t.request.prompt === "string" ? t.request.prompt : null,
    state: protocol(sim, t.vendor).state(t),
    phase: t.phase,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    doneAt: t.doneAt ?? null,
    failure: t.failure ?? null,
    never: t.never,
    files: t.files,
    callbackUrl: t.callbackUrl ?? null,
    callbacks: t.callbacks,
  };
}

/** `{}` or `{"outcome":"succeeded"}` finishes successfully; `{"outcome":"failed","reason"?,"code"?}` fails. */
function complete(sim: Sim, task: SimTask, body: unknown): string | undefined {
  if (isFinal(task.phase)) return `task ${task.id} is already ${task.phase}`;
  const b = isObject(body) ? body : {};
  if (b.outcome === undefined || b.outcome === "succeeded" || b.outcome === "success") {
    finish(sim, task);
    return undefined;
  }
  if (b.outcome !== "failed") return 'outcome must be "succeeded" or "failed"';
  const proto = protocol(sim, task.vendor);
  const reason = typeof b.reason === "string" ? b.reason : undefined;
  const code = typeof b.code === "string" || typeof b.code === "number" ? String(b.code) : proto.genericFailure.code;
  finish(sim, task, { code, message: reason ?? proto.genericFailure.message });
  return undefined;
}

type Check = (v: unknown) => boolean;
const nonNegative: Check = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const boolean: Check = (v) => typeof v === "boolean";
const CONFIG_CHECKS: Record<keyof SimConfig, [Check, string]> = {
  delayMs: [nonNegative, "a number >= 0"],
  callbacks: [boolean, "a boolean"],
  callbackDelayMs: [nonNegative, "a number >= 0"],
  callbackRetryDelayMs: [nonNegative, "a number >= 0"],
  video: [(v) => VIDEO_VARIANTS.includes(v as never), `one of ${VIDEO_VARIANTS.join(", ")}`],
  chunked: [boolean, "a boolean"],
  sizeBytes: [(v) => v === null || (Number.isSafeInteger(v) && (v as number) >= MIN_SYNTHETIC_BYTES), `null or an integer >= ${MIN_SYNTHETIC_BYTES}`],
  urlTtlMs: [(v) => v === null || nonNegative(v), "null or a number >= 0"],
  maxConcurrent: [(v) => v === null || (Number.isInteger(v) && (v as number) >= 0), "null or an integer >= 0"],
  checkImages: [boolean, "a boolean"],
  uniqueFiles: [boolean, "a boolean"],
};

function applyConfig(sim: Sim, body: unknown): string | undefined {
  if (!isObject(body)) return "config must be a JSON object";
  for (const [key, value] of Object.entries(body)) {
    const check = CONFIG_CHECKS[key as keyof SimConfig];
    if (!check) return `unknown config key ${key}`;
    if (!check[0](value)) return `${key} must be ${check[1]}`;
  }
  Object.assign(sim.config, body);
  return undefined;
}

function applyFiles(task: SimTask, body: unknown): string | undefined {
  if (!isObject(body)) return "body must be a JSON object";
  const next: FileOptions = { ...task.files };
  for (const [key, value] of Object.entries(body)) {
    if (key === "video" || key === "chunked" || key === "sizeBytes" || key === "urlTtlMs") {
      const check = CONFIG_CHECKS[key];
      if (!check[0](value)) return `${key} must be ${check[1]}`;
      Object.assign(next, { [key]: value });
    } else return `unknown key ${key}`;
  }
  task.files = next;
  return undefined;
}
