// Runs before every runtime test file: the D1 schema (migrations/), as `wrangler d1 migrations apply` makes it.
// Applying is idempotent (the applied migrations are recorded in the database), so each file may run it.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
