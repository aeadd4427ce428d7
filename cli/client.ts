// The gateway's public API (API.md §3, §4, §8) as the CLI uses it: JSON over HTTP with a bearer key.

/** The task object of API.md §4 (the fields the CLI reads). */
export interface Task {
  task_id: string;
  model: string;
  status: "processing" | "succeeded" | "failed";
  url: string | null;
  metadata: { duration: number | null; fps: number | null; width: number | null; height: number | null; seed: number | null };
  error: { code: string | null; message: string; param: string | null; type: string } | null;
  cost?: number;
  created_at: number;
  completed_at: number | null;
  [field: string]: unknown;
}

/** An error answer of the gateway, in its error format (API.md §3). */
export class GatewayError extends Error {
  readonly status: number;
  readonly body: { code: string | null; message: string; param: string | null; type: string };

  constructor(status: number, body: Partial<GatewayError["body"]> | null) {
    const message = body?.message ?? `The gateway answered HTTP ${status}.`;
    super(message);
    this.status = status;
    this.body = { code: body?.code ?? null, message, param: body?.param ?? null, type: body?.type ?? "server_error" };
  }
}

export interface Client {
  baseUrl: string;
  /** Resolves to the JSON answer; rejects with GatewayError on a non-2xx answer. */
  json<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  /** The raw answer (for downloads): the caller streams the body. */
  raw(url: string, authorize: boolean): Promise<Response>;
}

export function client(baseUrl: string, apiKey: string): Client {
  const base = baseUrl.replace(/\/+$/, "");
  const auth = { authorization: `Bearer ${apiKey}` };
  return {
    baseUrl: base,
    async json<T>(path: string, init: { method?: string; body?: unknown } = {}) {
      const headers: Record<string, string> = { ...auth, accept: "application/json" };
      if (init.body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${base}${path}`, {
        method: init.method ?? "GET",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = { message: `The gateway answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}` };
      }
      if (!response.ok) throw new GatewayError(response.status, parsed as GatewayError["body"]);
      return parsed as T;
    },
    async raw(url: string, authorize: boolean) {
      const response = await fetch(url, { headers: authorize ? auth : {} });
      if (!response.ok) {
        const text = await response.text();
        let parsed = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not the error format
        }
        throw new GatewayError(response.status, parsed);
      }
      return response;
    },
  };
}
