// Makes sure Debian's Chromium is at /usr/bin/chromium for the browser test (test/e2e/browser.e2e.test.ts).
// Installs it with apt-get when it is missing (needs root); exits non-zero with a clear message when it can't.
// Never downloads a browser build of its own (no `playwright install`): only Debian's package.
// Usage (CI, after npm install): node_modules/.bin/node scripts/ensure-chromium.ts
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

function fail(message: string): never {
  console.error(`ensure-chromium: ${message}`);
  process.exit(1);
}

function version(): string | null {
  if (!existsSync(CHROMIUM)) return null;
  const r = spawnSync(CHROMIUM, ["--headless", "--no-sandbox", "--version"], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(command: string, args: string[]): void {
  console.log(`ensure-chromium: running ${command} ${args.join(" ")}`);
  const r = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    timeout: 15 * 60_000,
  });
  if (r.error) fail(`${command} could not run: ${r.error.message}`);
  if (r.status !== 0) fail(`\`${command} ${args.join(" ")}\` failed (exit ${r.status ?? r.signal}); install Debian's chromium by hand.`);
}

const found = version();
if (found) {
  console.log(`ensure-chromium: ${CHROMIUM} is there (${found}); nothing to do.`);
  process.exit(0);
}
if (existsSync(CHROMIUM)) console.log(`ensure-chromium: ${CHROMIUM} exists but does not run; reinstalling it.`);
else console.log(`ensure-chromium: ${CHROMIUM} is missing; installing Debian's chromium package.`);

if (process.platform !== "linux") fail(`this only installs on Debian/Ubuntu Linux; install Chromium so that ${CHROMIUM} runs.`);
if (process.getuid?.() !== 0) {
  fail(`installing needs root; run \`sudo apt-get update && sudo apt-get install -y chromium\` (or this script as root).`);
}
if (spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0) {
  fail(`apt-get is not available; install Chromium so that ${CHROMIUM} runs.`);
}
run("apt-get", ["update"]);
run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"]);

const installed = version();
if (!installed) fail(`apt-get finished but ${CHROMIUM} still does not run (\`${CHROMIUM} --version\` failed).`);
console.log(`ensure-chromium: installed ${installed}.`);
