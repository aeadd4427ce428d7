import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { findByDigest, type ManagedKey, touchKey } from "../keys/registry.ts";
import { safeEqual, sha256Hex } from "../lib/crypto.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError, errorPayload } from "./errors.ts";

/**
 * Who is calling. Static API_KEYS keys are owned by their digest (tasks made before managed keys existed keep their
 * owner); managed keys (made by the admin routes) by their `key_…` id. The key itself is never stored.
 */
export interface Caller {
  label: string;
  keyId: string;
  /** The key's registry row; null for a static API_KEYS key (unmetered, never expires, every model). */
  managed: ManagedKey | null;
  limits: { perMinute: number; concurrent: number };
  /** The models the key may use; null: all. */
  models: string[] | null;
}

/** How long a managed key's row is trusted without asking D1 again: a revoke, disable or expiry bites within it. */
const REGISTRY_CACHE_MS = 1_000;
const CACHE_ENTRIES = 10_000;
/** last_used_at is written at most this often per key, so a busy key does not write D1 on every request. */
const LAST_USED_EVERY_S = 60;

const registryCache = new Map<string, { key: ManagedKey | null; atMs: number }>();

async function managedKey(db: D1Database, digest: string): Promise<ManagedKey | null> {
  const cached = registryCache.get(digest);
  if (cached && Date.now() - cached.atMs < REGISTRY_CACHE_MS) return cached.key;
  const key = await findByDigest(db, digest);
  if (registryCache.size >= CACHE_ENTRIES) registryCache.clear();
  registryCache.set(digest, { key, atMs: Date.now() });
  return key;
}

/** An admin change to a key applies at once in this isolate; other isolates see it within REGISTRY_CACHE_MS. */
export function forgetCachedKey(digest: string): void {
  registryCache.delete(digest);
}

/** Why a managed key may not be used now; null when it may. */
function refusal(key: ManagedKey, nowS: number): ApiError | null {
  if (key.revoked_at !== null) return new ApiError(401, "This API key was revoked by the operator; ask for a new one.", "api_key_revoked");
  if (key.disabled) return new ApiError(401, "This API key is disabled by the operator; ask them to enable it.", "api_key_disabled");
  if (key.expires_at !== null && key.expires_at <= nowS) {
    return new ApiError(401, `This API key expired at ${new Date(key.expires_at * 1000).toISOString()}; ask the operator to extend it.`, "api_key_expired");
  }
  return null;
}

export type Identity = { kind: "user"; caller: Caller } | { kind: "refused"; error: ApiError } | null;

/** A bearer key as a user key: static, managed (usable or refused), or unknown (null). */
export async function identify(env: Env, cfg: Config, token: string): Promise<Identity> {
  const digest = await sha256Hex(token);
  const defaults = { perMinute: cfg.rateLimitPerMinute, concurrent: cfg.maxConcurrentTasks };
  const entry = cfg.apiKeys.find((k) => safeEqual(k.digest, digest));
  if (entry) return { kind: "user", caller: { label: entry.label, keyId: digest, managed: null, limits: defaults, models: null } };
  const key = await managedKey(env.DB, digest);
  if (!key) return null;
  const nowS = Math.floor(Date.now() / 1000);
  const refused = refusal(key, nowS);
  if (refused) return { kind: "refused", error: refused };
  const limits = { perMinute: key.rate_limit_per_minute ?? defaults.perMinute, concurrent: key.max_concurrent_tasks ?? defaults.concurrent };
  return { kind: "user", caller: { label: key.label, keyId: key.id, managed: key, limits, models: key.models } };
}

/** Records a managed key's use, at most once a minute (best effort: it is a hint for the operator). */
function noteUse(env: Env, caller: Caller, waitUntil: (p: Promise<unknown>) => void): void {
  const key = caller.managed;
  const nowS = Math.floor(Date.now() / 1000);
  if (!key || (key.last_used_at !== null && nowS - key.last_used_at < LAST_USED_EVERY_S)) return;
  key.last_used_at = nowS; // the cached row too, so the next requests of this isolate skip the write
  waitUntil(touchKey(env.DB, key.id, nowS).catch(() => {}));
}

export function reject(message: string) {
  return (c: Context) => {
    const err = new ApiError(401, message, "invalid_api_key");
    return Response.json(errorPayload(c.req.path, err), { status: 401 });
  };
}

/** Bearer keys checked against the API_KEYS digests, then the key registry; sets `caller`. */
export const requireApiKey: MiddlewareHandler<AppEnv> = bearerAuth({
  verifyToken: async (token, c) => {
    const identity = await identify(c.env, c.var.config, token);
    if (identity?.kind === "refused") throw identity.error;
    if (!identity) return false;
    c.set("caller", identity.caller);
    noteUse(c.env, identity.caller, (p) => c.executionCtx.waitUntil(p));
    return true;
  },
  noAuthenticationHeader: { message: reject("Missing API key: send it as `Authorization: Bearer sk-...`.") },
  invalidAuthenticationHeader: { message: reject("Malformed Authorization header: it must be `Bearer <api key>`.") },
  invalidToken: { message: reject("Invalid API key: check the key, or ask the operator for one.") },
});
