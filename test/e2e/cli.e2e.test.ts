// The command-line client (API.md §12), the real one (cli/main.ts, spawned with this Node) against the real stack:
// it downloads the simulator's exact bytes, reports a vendor's refusal and a failed task with the right exit status,
// refuses bad usage with 2, and draws progress only on a terminal (checked under a pseudo-terminal made by
// util-linux's `script`, which scripts/ensure-pty.ts installs when it is missing).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_API_KEY } from "../../scripts/local-stack.ts";
import { type E2E, type Json, SAMPLE_BYTES, startE2E } from "./stack.ts";

const ROOT = join(import.meta.dirname, "../..");
const CLI = join(ROOT, "cli/main.ts");

let e2e: E2E;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vgw-cli-"));
  e2e = await startE2E({ port: 18912, simPort: 18913 }, { vars: { POLL_INTERVALS: "1s" }, simEnv: { SIM_DELAY_MS: "1500" } });
}, 180_000);
afterAll(async () => {
  await e2e?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A shell word, quoted for `script -c`. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Runs the CLI with the stack's URL and key in its environment. `tty`: under a pseudo-terminal (`script`), where
 * stdout and stderr both arrive on the terminal, so everything is in `stdout`.
 */
function cli(args: string[], options: { tty?: boolean; env?: Record<string, string | undefined>; command?: string[]; cwd?: string } = {}): Promise<Run> {
  const env = { ...process.env, VIDEO_GATEWAY_URL: e2e.stack.gatewayUrl, VIDEO_GATEWAY_API_KEY: LOCAL_API_KEY, ...options.env };
  const argv = [...(options.command ?? [process.execPath, CLI]), ...args];
  const [file, ...rest] = options.tty ? ["script", "-qfec", argv.map(quote).join(" "), "/dev/null"] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, rest, { cwd: options.cwd ?? dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npx video-gateway", () => {
  it("is the package's bin: `npx video-gateway --help` runs it", async () => {
    // In the checkout (npx finds the package's own bin there); --offline: never ask the registry for a package of that name.
    const run = await cli(["--help"], { command: ["npx", "--offline", "video-gateway"], cwd: ROOT });
    expect(run.stderr).toBe("");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Usage: video-gateway");
    for (const command of ["generate", "status", "list", "download", "cancel", "models", "account"]) expect(run.stdout).toContain(command);
  }, 60_000);
});

describe("generate", () => {
  it("--json: creates the task, waits, downloads the simulator's exact bytes to <task_id>.mp4; stdout is one JSON object", async () => {
    const run = await cli(["generate", "--model", "kling-v1", "--prompt", "a lighthouse at dusk", "--duration", "5", "--size", "1280x720", "--json"]);
    expect(run.stderr).toBe(""); // not a terminal: no progress at all
    expect(run.code, run.stderr).toBe(0);
    const task = JSON.parse(run.stdout) as Json; // throws unless stdout is exactly one JSON value
    expect(task).toMatchObject({ object: "video.generation", model: "kling-v1", status: "succeeded", url: expect.stringContaining("signature=") });
    const file = join(dir, `${task.task_id}.mp4`);
    expect(readFileSync(file).equals(SAMPLE_BYTES)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
  }, 90_000);

  it("--output FILE, a first frame from a file, metadata; then status, list, download and models agree", async () => {
    // A 640×360 JPEG (the simulator's cover image), sent inline as a data URI.
    const image = join(ROOT, "simulator/assets/cover.jpg");
    const run = await cli([
      "generate",
      "--model",
      "kling-v1",
      "--prompt",
      "waves",
      "--image",
      image,
      "--metadata",
      '{"negative_prompt":"blur"}',
      "--output",
      "waves.mp4",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const id = /^(vgt_\w+)/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    expect(run.stdout).toContain("succeeded");
    expect(readFileSync(join(dir, "waves.mp4")).equals(SAMPLE_BYTES)).toBe(true);

    const status = await cli(["status", id!, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ task_id: id, status: "succeeded" });
    const list = await cli(["list", "--json"]);
    expect(JSON.parse(list.stdout).data.map((t: Json) => t.task_id)).toContain(id);
    expect((await cli(["list"])).stdout).toContain(id);
    const again = await cli(["download", id!, "--output", "again.mp4"]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, "again.mp4")).equals(SAMPLE_BYTES)).toBe(true);
    const models = await cli(["models"]);
    expect(models.code, models.stderr).toBe(0);
    expect(models.stdout).toMatch(/kling-v1\s+kling/);
    const account = await cli(["account", "--json"]);
    expect(JSON.parse(account.stdout)).toMatchObject({ credits: { balance: null } });
  }, 120_000);

  it("a request the vendor refuses exits 2 with the vendor's reason, and creates no file", async () => {
    const run = await cli(["generate", "--model", "kling-v1", "--prompt", "a forbidden scene [sim:refuse]", "--json"]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/content_policy_violation: Kling refused the content/);
    expect(JSON.parse(run.stdout)).toMatchObject({ code: "content_policy_violation", type: "invalid_request_error" });
  }, 60_000);

  it("a task that fails at the vendor exits 1 with its error's code and message; --json prints the failed task", async () => {
    const run = await cli(["generate", "--model", "kling-v1", "--prompt", "a doomed scene [sim:fail]", "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const task = JSON.parse(run.stdout) as Json;
    expect(task).toMatchObject({ status: "failed", error: { code: expect.any(String), message: expect.any(String) } });
    expect(run.stderr).toContain(`${task.error.code}: ${task.error.message}`);
    expect(existsSync(join(dir, `${task.task_id}.mp4`))).toBe(false);
  }, 90_000);

  it("--no-wait prints the processing task; cancel ends it as cancelled; status --wait then exits 1", async () => {
    const created = await cli(["generate", "--model", "kling-v1", "--prompt", "a long scene [sim:never]", "--no-wait", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const task = JSON.parse(created.stdout) as Json;
    expect(task.status).toBe("processing");
    const cancelled = await cli(["cancel", task.task_id, "--json"]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    const status = await cli(["status", task.task_id, "--wait"]);
    expect(status.code, status.stderr).toBe(1);
    expect(status.stderr).toContain("cancelled");
    const again = await cli(["cancel", task.task_id]);
    expect(again.code, again.stderr).toBe(2); // 409: already final
  }, 60_000);
});

describe("usage errors exit 2, before anything is sent", () => {
  it.each([
    ["no --model", ["generate", "--prompt", "x"], /required option '--model/],
    ["an unknown command", ["render"], /unknown command 'render'/],
    ["an unknown option", ["generate", "--model", "kling-v1", "--colour", "red"], /unknown option '--colour'/],
    ["a malformed --size", ["generate", "--model", "kling-v1", "--prompt", "x", "--size", "big"], /--size must be WIDTHxHEIGHT/],
    ["--metadata that is not an object", ["generate", "--model", "kling-v1", "--prompt", "x", "--metadata", "[1]"], /--metadata must be a JSON object/],
    ["an --image file that is not there", ["generate", "--model", "kling-v1", "--prompt", "x", "--image", "nope.png"], /no such file/],
    ["a missing task argument", ["status"], /missing required argument/],
  ])("%s", async (_what, args, message) => {
    const run = await cli(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("no API key", async () => {
    const run = await cli(["models"], { env: { VIDEO_GATEWAY_API_KEY: undefined } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("VIDEO_GATEWAY_API_KEY");
  });

  it("a request the gateway refuses (unknown model, bad key) exits 2 with its message", async () => {
    const unknown = await cli(["generate", "--model", "no-such-model", "--prompt", "x"]);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/400: model_not_found/);
    const badKey = await cli(["account", "--api-key", "sk-wrong"]);
    expect(badKey.code, badKey.stderr).toBe(2);
    expect(badKey.stderr).toContain("401");
  });
});

describe("progress", () => {
  it("is drawn on a terminal: the task's status with elapsed seconds, then a byte progress bar to 100%", async () => {
    const run = await cli(["generate", "--model", "kling-v1", "--prompt", "a terminal scene", "--output", "tty.mp4"], { tty: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/processing · \d+ s/);
    expect(run.stdout).toContain("\r\x1b[K"); // the status line redraws itself
    expect(run.stdout).toMatch(/Downloading .* 100% · 0\.2\/0\.2 MiB/);
    expect(readFileSync(join(dir, "tty.mp4")).equals(SAMPLE_BYTES)).toBe(true);
  }, 90_000);

  it("is not drawn when stderr is not a terminal, even when stdout is one", async () => {
    // script gives the CLI a terminal; 2>file takes stderr off it again.
    const log = join(dir, "stderr.log");
    const run = await cli(["generate", "--model", "kling-v1", "--prompt", "a quiet scene", "--output", "quiet.mp4"], {
      command: ["sh", "-c", `exec ${quote(process.execPath)} ${quote(CLI)} "$@" 2>${quote(log)}`, "cli"],
      tty: true,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("succeeded");
    expect(readFileSync(log, "utf8")).toBe("");
  }, 90_000);
});
