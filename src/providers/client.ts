import type { Env } from "../env.ts";
import type { Outcome, Provider, VendorCall } from "./types.ts";

const TIMEOUT_MS = 30_000;

/**
 * Makes one vendor call and lets the provider read the answer. Transport failures (network, timeout,
 * a body that is not JSON) are transient whatever the vendor: the caller retries with backoff.
 */
export async function exchange(
  provider: Provider,
  env: Env,
  call: VendorCall,
  interpret: (reply: { status: number; body: unknown }) => Outcome,
): Promise<Outcome> {
  const bodyText = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = { accept: "application/json", ...(await provider.authorize(env, call, bodyText)) };
  if (bodyText !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(provider.baseUrl(env) + call.path, {
      method: call.method,
      headers,
      body: bodyText,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    // A timeout means the request went out and the answer never came; other failures are the connection's.
    const inDoubt = (err as Error).name === "TimeoutError";
    return { kind: "transient", message: `${provider.name} did not answer: ${(err as Error).message}`, inDoubt };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (response.status === 429) return { kind: "busy", message: `${provider.name} is busy (HTTP 429)` };
    // A 2xx the vendor could not finish saying may still have created something; an error page did not.
    const inDoubt = response.ok;
    return { kind: "transient", message: `${provider.name} answered HTTP ${response.status} with a body that is not JSON`, inDoubt };
  }
  return interpret({ status: response.status, body });
}
