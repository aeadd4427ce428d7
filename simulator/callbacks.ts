// Outgoing callbacks. node:http rather than fetch because fetch may not set a `Date` header, which Vidu signs.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { chaosDropsCallback } from "./chaos.ts";
import type { CallbackSpec, Sim, SimTask } from "./core.ts";
import { takeFault } from "./faults.ts";

const TIMEOUT_MS = 10_000;

/**
 * Delivers one state's callback in the background. A queued `callback` fault applies per attempt:
 * `delayMs` stalls it, `body`/`raw` replace the payload, and a fault with neither drops the attempt
 * (recorded with status 0), which counts as a failed delivery for the vendor's retry rule. Without a queued fault,
 * seeded chaos may drop the attempt the same way.
 */
export function deliverCallback(sim: Sim, task: SimTask, state: string, body: unknown, spec: CallbackSpec): void {
  const url = task.callbackUrl;
  if (!url) return;
  const maxAttempts = spec.retried.includes(state) ? 1 + spec.retries : 1;
  let cancelled = false;
  let abort: (() => void) | undefined;
  const cancel = () => {
    cancelled = true;
    abort?.();
  };
  sim.pending.add(cancel);

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(resolve, ms);
      abort = () => {
        clearTimeout(t);
        resolve();
      };
    });

  void (async () => {
    try {
      for (let attempt = 1; attempt <= maxAttempts && !cancelled; attempt++) {
        if (attempt > 1) await wait(sim.config.callbackRetryDelayMs);
        await wait(sim.config.callbackDelayMs);
        const fault = takeFault(sim, task.vendor, "callback");
        if (fault?.delayMs) await wait(fault.delayMs);
        if (cancelled) return;
        sim.stats[task.vendor].callbacks++;
        const record = { at: Date.now(), state, attempt, status: 0 } as SimTask["callbacks"][number];
        task.callbacks.push(record);
        if (fault && fault.body === undefined && fault.raw === undefined) {
          record.error = "dropped by fault";
          continue;
        }
        if (!fault && chaosDropsCallback(sim, task.vendor)) {
          record.error = "dropped by chaos";
          continue;
        }
        const payload = fault?.raw ?? JSON.stringify(fault?.body !== undefined ? fault.body : body);
        try {
          record.status = await post(url, payload, spec.headers(sim, url, task), (a) => (abort = a));
        } catch (err) {
          record.error = err instanceof Error ? err.message : String(err);
        }
        if (record.status >= 200 && record.status < 300) return;
      }
    } finally {
      sim.pending.delete(cancel);
    }
  })();
}

function post(url: string, payload: string, headers: Record<string, string>, onAbort: (a: () => void) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === "https:" ? httpsRequest : httpRequest;
    const buf = Buffer.from(payload, "utf8");
    const req = send(
      u,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": String(buf.length), ...headers },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    onAbort(() => req.destroy(new Error("simulator reset")));
    req.on("timeout", () => req.destroy(new Error("callback timed out")));
    req.on("error", reject);
    req.end(buf);
  });
}
