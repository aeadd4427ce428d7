import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import type { Caller } from "./auth.ts";

/** Hono's context types: bindings plus what middleware sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: { caller: Caller; config: Config };
}
