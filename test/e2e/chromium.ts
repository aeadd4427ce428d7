// Debian's Chromium, headless, driven by playwright-core: shared by the browser tests.
// Needs /usr/bin/chromium: `node_modules/.bin/node scripts/ensure-chromium.ts` installs it (as root).
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Without Chromium every test fails with this message (never a silent skip). */
export const missingChromium = existsSync(CHROMIUM)
  ? null
  : `The browser test needs Debian's Chromium at ${CHROMIUM}, and it is missing. ` +
    "Install it with `node_modules/.bin/node scripts/ensure-chromium.ts` (as root; it runs apt-get install chromium).";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}
