import { exports } from "cloudflare:workers";
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
