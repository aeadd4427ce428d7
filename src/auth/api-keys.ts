import { bearerAuth } from "hono/bearer-auth";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../lib/errors.ts";
import { safeEqual, sha256Hex } from "./crypto.ts";

/** Who is calling: the API_KEYS label and the key's digest (tasks are owned by the digest; keys are never stored). */
export interface Caller {
  label: string;
  keyId: string;
}

async function identify(apiKeys: string | undefined, key: string): Promise<Caller | null> {
  const digest = await sha256Hex(key);
  for (const entry of (apiKeys ?? "").split(",")) {
    const at = entry.lastIndexOf(":");
    const label = entry.slice(0, at).trim();
    if (at > 0 && safeEqual(entry.slice(at + 1).trim().toLowerCase(), digest)) return { label, keyId: digest };
  }
  return null;
}

function reject(message: string) {
  return () => {
    const err = new ApiError(401, message, "invalid_api_key");
    return Response.json(err.body, { status: 401 });
  };
}

/** Bearer keys checked against the API_KEYS digests; sets `caller`. */
export const requireApiKey: MiddlewareHandler<AppEnv> = bearerAuth({
  verifyToken: async (token, c) => {
    const caller = await identify(c.env.API_KEYS, token);
    if (caller) c.set("caller", caller);
    return caller !== null;
  },
  noAuthenticationHeader: { message: reject("Missing API key: send it as `Authorization: Bearer sk-...`.") },
  invalidAuthenticationHeader: { message: reject("Malformed Authorization header: it must be `Bearer <api key>`.") },
  invalidToken: { message: reject("Invalid API key: check the key, or ask the operator to add its digest to API_KEYS.") },
});
