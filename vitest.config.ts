import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { gatewayVars } from "./scripts/local-stack.ts";
import { TEST_ADMIN_KEY, TEST_API_KEYS, TEST_SIM_PORT } from "./test/support/test-env.ts";

// Runtime tests: our Worker, Durable Objects, Workflows and R2 run inside workerd (local) and talk over
// loopback to the vendor simulator that globalSetup starts, exactly as the deployed Worker talks to vendors.
/** TEST_SIM_PORT lets two test runs share a machine. */
function simPort(): number {
  return Number(process.env.TEST_SIM_PORT ?? TEST_SIM_PORT);
}

const bindings = gatewayVars({
  port: 0,
  simPort: simPort(),
  persistTo: "",
  apiKeys: TEST_API_KEYS,
  adminKeys: { operator: TEST_ADMIN_KEY },
  // A short WATCHDOG_AFTER: tests of a workflow that failed to start see the watchdog start it within seconds.
  vars: { POLL_INTERVALS: "1s", TASK_DEADLINE: "2m", WATCHDOG_AFTER: "1s" },
});

// The D1 schema, read here (Node) and applied inside workerd by the setup file, as `wrangler d1 migrations apply` would.
const migrations = await readD1Migrations("./migrations");

/** wrangler.toml's Text rule, for the test runner: Scalar's browser bundle is served by /docs as text, never run. */
const scalarAsText = {
  name: "scalar-browser-bundle-as-text",
  enforce: "pre" as const,
  load(id: string) {
    if (id.endsWith("/@scalar/api-reference/dist/browser/standalone.js")) return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
  },
};

/** wrangler.toml's other Text rule: the web pages' files. A virtual id keeps Vite's own CSS and JS handling off them. */
const WEB_FILE = /\/web\/[\w-]+\.(html|js|css)$/;
const TEXT_PREFIX = "\0web-text:";
const webFilesAsText = {
  name: "web-files-as-text",
  enforce: "pre" as const,
  resolveId(source: string, importer: string | undefined) {
    if (importer && WEB_FILE.test(source)) return `${TEXT_PREFIX}${resolve(dirname(importer), source)}.txt`;
  },
  load(id: string) {
    if (id.startsWith(TEXT_PREFIX)) return `export default ${JSON.stringify(readFileSync(id.slice(TEXT_PREFIX.length, -".txt".length), "utf8"))};`;
  },
};

export default defineConfig({
  plugins: [
    scalarAsText,
    webFilesAsText,
    cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { ...bindings, TEST_MIGRATIONS: migrations } } }),
  ],
  test: {
    setupFiles: ["./test/runtime/apply-migrations.ts"],
    include: ["test/runtime/**/*.test.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
