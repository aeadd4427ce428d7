// Makes sure util-linux's `script` is on PATH: the CLI test (test/e2e/cli.e2e.test.ts) runs the CLI under the
// pseudo-terminal it makes, to see progress drawn only on a terminal. Debian ships it in `bsdutils` (essential, so
// normally present); installs it with apt-get when missing (needs root), else exits non-zero with a clear message.
// Usage (npm test runs it first): node_modules/.bin/node scripts/ensure-pty.ts
import { spawnSync } from "node:child_process";

function works(): string | null {
  const r = spawnSync("script", ["--version"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function fail(message: string): never {
  console.error(`ensure-pty: ${message}`);
  process.exit(1);
}

const found = works();
if (found) {
  console.log(`ensure-pty: ${found}; nothing to do.`);
  process.exit(0);
}
if (process.platform !== "linux" || process.getuid?.() !== 0 || spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0) {
  fail("`script` (util-linux) is missing; install it (Debian/Ubuntu: `sudo apt-get install bsdutils`).");
}
for (const args of [["update"], ["install", "-y", "--no-install-recommends", "bsdutils"]]) {
  const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 15 * 60_000 });
  if (r.status !== 0) fail(`\`apt-get ${args.join(" ")}\` failed; install util-linux's script by hand.`);
}
const installed = works();
if (!installed) fail("apt-get finished but `script --version` still fails.");
console.log(`ensure-pty: installed ${installed}.`);
