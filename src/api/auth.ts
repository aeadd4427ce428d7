import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { Config } from "../config.ts";
import { safeEqual, sha256Hex } from "../lib/crypto.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError, errorPayload } from "./errors.ts";

/** Who is calling: the API_KEYS label and the key's digest (tasks are owned by the digest; keys are never stored). */
export interface Caller {
  label: string;
  keyId: string;
}

async function identify(cfg: Config, key: string): Promise<Caller | null> {
  const digest = await sha256Hex(key);
  const entry = cfg.apiKeys.find((k) => safeEqual(k.digest, digest));
  return entry ? { label: entry.label, keyId: digest } : null;
}

function reject(message: string) {
  return (c: Context) => {
    const err = new ApiError(401, message, "invalid_api_key");
    return Response.json(errorPayload(c.req.path, err), { status: 401 });
  };
}

/** Bearer keys checked against the API_KEYS digests; sets `caller`. */
export const requireApiKey: MiddlewareHandler<AppEnv> = bearerAuth({
  verifyToken: async (token, c) => {
    const caller = await identify(c.var.config, token);
    if (caller) c.set("caller", caller);
    return caller !== null;
  },
  noAuthenticationHeader: { message: reject("Missing API key: send it as `Authorization: Bearer sk-...`.") },
  invalidAuthenticationHeader: { message: reject("Malformed Authorization header: it must be `Bearer <api key>`.") },
  invalidToken: { message: reject("Invalid API key: check the key, or ask the operator to add its digest to API_KEYS.") },
});
