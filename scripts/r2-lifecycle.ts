// Configures the R2 lifecycle rules of the video bucket from the gateway's own layout (src/storage/layout.ts), so a
// prefix the gateway writes can never be left without a rule. Run once per deployment (needs a Cloudflare login):
//   npx node scripts/r2-lifecycle.ts [bucket] [--retention-days 30] [--dry-run]
// Keep --retention-days in step with VIDEO_RETENTION.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { R2_LAYOUT } from "../src/storage/layout.ts";

/** The `wrangler r2 bucket lifecycle add` arguments for every prefix of the layout. */
export function lifecycleCommands(bucket: string, retentionDays: number): string[][] {
  return Object.entries(R2_LAYOUT).map(([name, { prefix, expire }]) => {
    const days = expire === "retention" ? retentionDays : expire.days;
    const abort = expire !== "retention" && "abortMultipartDays" in expire ? ["--abort-multipart-days", String(expire.abortMultipartDays)] : [];
    return ["r2", "bucket", "lifecycle", "add", bucket, `expire-${name}`, prefix, "--expire-days", String(days), ...abort, "--force"];
  });
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { "retention-days": { type: "string", default: "30" }, "dry-run": { type: "boolean", default: false } },
  });
  const retentionDays = Number(values["retention-days"]);
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    console.error("--retention-days must be a whole number of days (VIDEO_RETENTION)");
    process.exit(2);
  }
  for (const args of lifecycleCommands(positionals[0] ?? "video-gateway-videos", retentionDays)) {
    console.log(`wrangler ${args.join(" ")}`);
    if (values["dry-run"]) continue;
    const run = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", ...args], { stdio: "inherit" });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
