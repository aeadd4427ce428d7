import type { Caller } from "./auth/api-keys.ts";
import type { Env } from "./env.ts";

/** Hono's context types: bindings plus what middleware sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: { caller: Caller };
}
