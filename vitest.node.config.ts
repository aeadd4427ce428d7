import { defineConfig } from "vitest/config";

// Node-side tests: the vendor simulator (test/sim) and the end-to-end suite over HTTP (test/e2e).
// The Workers-runtime tests live in vitest.config.ts.
export default defineConfig({
  test: {
    include: ["test/sim/**/*.test.ts", "test/scripts/**/*.test.ts", "test/e2e/**/*.test.ts"],
    environment: "node",
    // End-to-end files each run wrangler dev + a simulator; one at a time keeps a 2-core machine steady.
    fileParallelism: false,
    testTimeout: 30_000,
  },
});
