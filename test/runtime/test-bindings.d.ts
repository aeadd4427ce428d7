// The D1 migrations vitest.config.ts reads and hands to the setup file (apply-migrations.ts) as a binding.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
