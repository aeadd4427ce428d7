import { describe, expect, it } from "vitest";
import { lifecycleCommands } from "../../scripts/r2-lifecycle.ts";
import { R2_LAYOUT } from "../../src/storage/layout.ts";

describe("scripts/r2-lifecycle.ts", () => {
  it("gives every prefix of the R2 layout a rule, covers as long as videos, staging uploads aborted after a day", () => {
    const commands = lifecycleCommands("bucket", 30);
    const rules = Object.fromEntries(commands.map((args) => [args[6], args.slice(7).join(" ")]));
    expect(Object.keys(rules).sort()).toEqual(
      Object.values(R2_LAYOUT)
        .map((p) => p.prefix)
        .sort(),
    );
    expect(rules).toEqual({
      "requests/": "--expire-days 7 --force",
      "ingest-staging/": "--expire-days 1 --abort-multipart-days 1 --force",
      "videos/": "--expire-days 30 --force",
      "covers/": "--expire-days 30 --force",
    });
    expect(commands[0]!.slice(0, 5)).toEqual(["r2", "bucket", "lifecycle", "add", "bucket"]);
  });
});
