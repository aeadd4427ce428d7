// Shared by the end-to-end tests: one gateway (wrangler dev) + simulator per test file, on its own ports and state.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { LOCAL_API_KEY, type Stack, type StackOptions, startStack } from "../../scripts/local-stack.ts";

export type Json = Record<string, any>;

/** The MP4 every simulated vendor serves. */
export const SAMPLE_BYTES = readFileSync(join(import.meta.dirname, "../../simulator/assets/sample.mp4"));

/** Anyone holding a task's url gets, without a key, exactly the MP4 the vendor served. */
export async function expectSampleVideoAt(url: string): Promise<void> {
  const video = await fetch(url);
  expect(video.status).toBe(200);
  expect(video.headers.get("content-type")).toBe("video/mp4");
  expect(Buffer.from(await video.arrayBuffer()).equals(SAMPLE_BYTES)).toBe(true);
}

export interface E2E {
  stack: Stack;
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<{ status: number; body: Json; response: Response }>;
  sim<T = Json>(path: string, init?: RequestInit & { json?: unknown }): Promise<T>;
  waitForStatus(id: string, timeoutMs?: number): Promise<Json>;
  close(): Promise<void>;
}

export async function startE2E(ports: { port: number; simPort: number }, options: Partial<StackOptions> = {}): Promise<E2E> {
  const persistTo = mkdtempSync(join(tmpdir(), "vgw-e2e-"));
  const stack = await startStack({ ...ports, persistTo, ...options });
  const withJson = (init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (init.json !== undefined) headers.set("content-type", "application/json");
    return { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body };
  };
  const e2e: E2E = {
    stack,
    async api(path, init = {}) {
      const req = withJson(init);
      const key = init.key === undefined ? LOCAL_API_KEY : init.key;
      if (key) req.headers.set("authorization", `Bearer ${key}`);
      const response = await fetch(path.startsWith("http") ? path : `${stack.gatewayUrl}${path}`, req);
      const text = await response.clone().text();
      let body: Json = {};
      try {
        body = JSON.parse(text);
      } catch {
        // binary or empty body
      }
      return { status: response.status, body, response };
    },
    async sim(path, init = {}) {
      const response = await fetch(`${stack.simUrl}${path}`, withJson(init));
      return (await response.json()) as never;
    },
    async waitForStatus(id, timeoutMs = 60_000) {
      // The gateway holds `?wait=` until the task is final (at most 60 s a call), so nothing here polls.
      for (const end = Date.now() + timeoutMs; ; ) {
        const waitS = Math.max(1, Math.min(60, Math.ceil((end - Date.now()) / 1000)));
        const { body } = await e2e.api(`/v1/video/generations/${id}?wait=${waitS}`);
        if (body.status !== "processing" || Date.now() >= end) return body;
      }
    },
    async close() {
      await stack.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
  return e2e;
}
