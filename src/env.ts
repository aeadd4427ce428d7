import type { KeyObject } from "./keys/key-object.ts";
import type { AccountObject } from "./tasks/account-object.ts";
import type { TaskObject } from "./tasks/task-object.ts";
import type { TaskParams } from "./tasks/workflow-control.ts";

/**
 * Bindings, vars and secrets (names fixed by API.md §2), as the runtime hands them over: raw strings. Code reads
 * variables only through `config(env)` (src/config.ts), which parses and checks them once.
 */
export interface Env {
  TASKS: DurableObjectNamespace<TaskObject>;
  KEYS: DurableObjectNamespace<KeyObject>;
  TASK_WORKFLOW: Workflow<TaskParams>;
  VIDEOS: R2Bucket;
  /** The key registry and the usage ledger (migrations/). */
  DB: D1Database;

  ACCOUNTS: DurableObjectNamespace<AccountObject>;

  API_KEYS?: string;
  ADMIN_API_KEYS?: string;
  KLING_ACCOUNTS?: string;
  VIDU_ACCOUNTS?: string;
  VOLC_ACCOUNTS?: string;
  ARK_ACCOUNTS?: string;
  ACCOUNT_COOLDOWN?: string;
  PRICES?: string;
  KLING_ACCESS_KEY?: string;
  KLING_SECRET_KEY?: string;
  KLING_BASE_URL?: string;
  VIDU_API_KEY?: string;
  VIDU_BASE_URL?: string;
  VOLC_ACCESS_KEY_ID?: string;
  VOLC_SECRET_ACCESS_KEY?: string;
  JIMENG_BASE_URL?: string;
  ARK_API_KEY?: string;
  ARK_BASE_URL?: string;
  PUBLIC_BASE_URL?: string;
  URL_SIGNING_SECRET?: string;
  WEBHOOK_SECRET?: string;
  POLL_INTERVALS?: string;
  TASK_DEADLINE?: string;
  RATE_LIMIT_PER_MINUTE?: string;
  MAX_CONCURRENT_TASKS?: string;
  WATCHDOG_AFTER?: string;
  VIDEO_RETENTION?: string;
}

// `env` from "cloudflare:workers" (used by tests) is typed as Cloudflare.Env.
declare global {
  namespace Cloudflare {
    interface Env extends GatewayEnv {}
  }
}
type GatewayEnv = Env;
