import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import type { Caller } from "./auth.ts";

/** Hono's context types: bindings plus what middleware sets. */
export interface AppEnv {
  Bindings: Env;
  /** `caller`: set by requireApiKey; `admin`: set by requireAdminKey (the ADMIN_API_KEYS entry's label). */
  Variables: { caller: Caller; admin: { label: string }; config: Config };
}
