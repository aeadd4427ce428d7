import { env, exports } from "cloudflare:workers";
import type { AnyProvider } from "../../src/providers/types.ts";
import { savePlan } from "../../src/storage/requests.ts";
import { TEST_API_KEYS } from "../support/test-env.ts";

const ORIGIN = "http://gateway.test";

type Json = Record<string, any>;

/** Calls the real Worker (Hono app, Durable Objects, Workflows, R2) inside the test's workerd. */
export async function api(
  path: string,
  init: RequestInit & { key?: keyof typeof TEST_API_KEYS | null; json?: unknown /** a key of any kind, instead of `key` */; bearer?: string } = {},
) {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? "alpha" : init.key;
  if (init.bearer !== undefined) headers.set("authorization", `Bearer ${init.bearer}`);
  else if (key) headers.set("authorization", `Bearer ${TEST_API_KEYS[key]}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const response: Response = await (exports as any).default.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers, body }));
  return response;
}

export async function apiJson(path: string, init: Parameters<typeof api>[1] = {}): Promise<{ status: number; body: Json; response: Response }> {
  const response = await api(path, init);
  return { status: response.status, body: (await response.json()) as Json, response };
}

/** The task once it leaves `processing`, held by the gateway's own `?wait=` (woken by the transition, not polled). */
export async function waitForTask(id: string, timeoutS = 25): Promise<Json> {
  return (await apiJson(`/v1/video/generations/${id}?wait=${timeoutS}`)).body;
}

/** A task made directly on its TaskObject, as POST makes it, without its workflow. */
export async function makeTask(provider: AnyProvider, model: string, prompt: string, deadlineMs = Date.now() + 120_000) {
  const id = `vgt_lv${crypto.randomUUID().replaceAll("-", "")}`;
  const row = provider.models.find((m) => m.spec.id === model)!;
  const plan = provider.plan({ model, prompt, metadata: {} }, row, { taskId: id, callbackUrl: "http://gateway.test/cb", createdMs: Date.now() });
  await savePlan(env.VIDEOS, id, plan);
  const base = { id, owner: TEST_API_KEYS.alpha, model, vendor: provider.vendor, created_at: Math.floor(Date.now() / 1000), origin: "http://gateway.test" };
  await env.TASKS.getByName(id).create({
    ...base,
    deadline_ms: deadlineMs,
    user: null,
    requested_seed: null,
    price: 0,
    webhook_url: null,
    upstream_ref: plan.ref,
  });
  return id;
}
