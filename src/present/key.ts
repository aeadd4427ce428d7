import type { Config } from "../config.ts";
import type { ManagedKey } from "../keys/registry.ts";
import type { Credits } from "../keys/wallet.ts";

/** Limits as they are enforced: a key's own, else the deployment's RATE_LIMIT_PER_MINUTE / MAX_CONCURRENT_TASKS. */
function limits(cfg: Config, key: Pick<ManagedKey, "rate_limit_per_minute" | "max_concurrent_tasks"> | null) {
  return {
    rate_limit_per_minute: key?.rate_limit_per_minute ?? cfg.rateLimitPerMinute,
    max_concurrent_tasks: key?.max_concurrent_tasks ?? cfg.maxConcurrentTasks,
  };
}

/** The key object of API.md §8, as the admin routes show it (never the key, never its digest). */
export function presentKey(cfg: Config, key: ManagedKey, credits: Credits) {
  return {
    id: key.id,
    object: "api_key",
    label: key.label,
    credits,
    ...limits(cfg, key),
    models: key.models,
    expires_at: key.expires_at,
    disabled: key.disabled,
    created_at: key.created_at,
    last_used_at: key.last_used_at,
  };
}

/** GET /v1/account: the calling key, a managed one or a static API_KEYS one (unmetered, no expiry, every model). */
export function presentAccount(cfg: Config, caller: { keyId: string; label: string; managed: ManagedKey | null }, credits: Credits) {
  return {
    key_id: caller.keyId,
    label: caller.label,
    credits,
    ...limits(cfg, caller.managed),
    models: caller.managed?.models ?? null,
    expires_at: caller.managed?.expires_at ?? null,
  };
}
