// Queued faults: each matching request consumes the first matching entry, in the order they were queued.
import type { ServerResponse } from "node:http";
import type { Fault, FaultOp, Sim, Vendor, VendorProtocol } from "./core.ts";
import { VENDORS } from "./core.ts";
import { sendJson, sendRaw, sleep } from "./http.ts";

export function takeFault(sim: Sim, vendor: Vendor, op: FaultOp, drop = false): Fault | undefined {
  const i = sim.faults.findIndex((f) => f.op === op && Boolean(f.drop) === drop && (f.vendor === undefined || f.vendor === vendor));
  if (i < 0) return undefined;
  const fault = sim.faults[i]!;
  fault.times -= 1;
  if (fault.times <= 0) sim.faults.splice(i, 1);
  return { ...fault };
}

/** True when the fault answered the request; a delay-only fault just stalls it and lets it proceed. */
export async function applyFault(sim: Sim, proto: VendorProtocol, op: FaultOp, res: ServerResponse): Promise<boolean> {
  const fault = takeFault(sim, proto.vendor, op);
  if (!fault) return false;
  if (fault.delayMs) await sleep(fault.delayMs);
  if (fault.status === undefined && fault.body === undefined && fault.raw === undefined) return false;
  const status = fault.status ?? 200;
  if (fault.raw !== undefined) sendRaw(res, status, fault.raw, "application/json; charset=utf-8");
  else if (fault.body !== undefined) sendJson(res, status, fault.body);
  // A media CDN answers errors in its own words, not in the vendor API's envelope.
  else if (op === "download") sendRaw(res, status, `<Error><Code>${status}</Code><Message>simulated fault</Message></Error>`, "application/xml");
  else sendJson(res, status, proto.faultBody(status));
  return true;
}

const OPS: readonly FaultOp[] = ["create", "query", "download", "callback"];

/** Validates one fault from the control API; returns an error message or the normalized fault. */
export function parseFault(input: unknown): Fault | string {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return "a fault must be an object";
  const f = input as Record<string, unknown>;
  if (!OPS.includes(f.op as FaultOp)) return `op must be one of ${OPS.join(", ")}`;
  if (f.vendor !== undefined && !VENDORS.includes(f.vendor as Vendor)) return `vendor must be one of ${VENDORS.join(", ")}`;
  const times = f.times ?? 1;
  if (typeof times !== "number" || !Number.isInteger(times) || times < 1) return "times must be a positive integer";
  if (f.status !== undefined && (typeof f.status !== "number" || !Number.isInteger(f.status) || f.status < 100 || f.status > 599)) {
    return "status must be an HTTP status code";
  }
  if (f.raw !== undefined && typeof f.raw !== "string") return "raw must be a string";
  if (f.delayMs !== undefined && (typeof f.delayMs !== "number" || f.delayMs < 0)) return "delayMs must be a number >= 0";
  if (f.drop !== undefined && (f.drop !== true || f.op !== "create")) return "drop must be true, and only with op create";
  return {
    vendor: f.vendor as Vendor | undefined,
    op: f.op as FaultOp,
    times,
    status: f.status as number | undefined,
    body: f.body,
    raw: f.raw as string | undefined,
    delayMs: f.delayMs as number | undefined,
    ...(f.drop ? { drop: true } : {}),
  };
}
