import type { Config } from "../config.ts";
import type { AnyAccount, AnyProvider, Outcome, VendorCall, VendorReply } from "./types.ts";

const TIMEOUT_MS = 30_000;

/**
 * Makes one vendor call with one account's credentials and lets the provider read the answer. Which account is the
 * caller's choice (src/tasks/accounts.ts). Transport failures (network, timeout, a body that is not JSON) are
 * transient whatever the vendor, and in doubt: the request may have reached the vendor.
 */
export async function exchange(
  provider: AnyProvider,
  cfg: Config,
  account: AnyAccount,
  call: VendorCall,
  interpret: (reply: VendorReply) => Outcome,
): Promise<Outcome> {
  const { credentials } = account;
  const url = cfg.vendors[provider.vendor].baseUrl + call.path;
  const bodyText = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = { accept: "application/json", ...(await provider.authorize(credentials, call, url, bodyText)) };
  if (bodyText !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(url, { method: call.method, headers, body: bodyText, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    // A timeout, or a connection that broke after the request was sent: nothing says the vendor did not act on it.
    return { kind: "transient", message: `${provider.name} did not answer: ${(err as Error).message}` };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (response.status === 429) return { kind: "busy", message: `${provider.name} is busy (HTTP 429)` };
    // A proxy's error page (502/504 in HTML) says nothing of what the vendor behind it did.
    return { kind: "transient", message: `${provider.name} answered HTTP ${response.status} with a body that is not JSON` };
  }
  const outcome = interpret({ status: response.status, body });
  if (outcome.kind === "transient" && outcome.staleCredentials) provider.forgetDerivedCredentials?.(credentials);
  return outcome;
}
