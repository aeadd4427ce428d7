#!/usr/bin/env node
// `npx video-gateway`: the gateway's command-line client (API.md §12). Runs as TypeScript under Node >= 22.6's type
// stripping (the project's own Node 24 inside npm scripts and npx). Exit status: 0 success, 1 the task failed (or
// failed to arrive once it existed), 2 a usage error or an error answer before any task exists.
import { resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { type Client, client, GatewayError, type Task } from "./client.ts";
import { download } from "./download.ts";
import { describeError, formatBytes, printJson, taskLines, textTable } from "./output.ts";
import { type GenerateOptions, generationBody, UsageError } from "./request.ts";
import { waitUntilFinal } from "./wait.ts";

const EXIT = { ok: 0, taskFailed: 1, usage: 2 } as const;

interface Globals {
  baseUrl: string;
  apiKey?: string;
  json?: boolean;
}

/** A failure once a task exists (exit 1): the task failed, or its video could not be fetched. */
class TaskTrouble extends Error {
  readonly task: Task;
  constructor(task: Task, message: string) {
    super(message);
    this.task = task;
  }
}

/** The exit status the command's action decided (commander's parseAsync does not return it). */
let exitStatus: number = EXIT.ok;
const act =
  <A extends unknown[]>(action: (...args: A) => Promise<unknown>) =>
  async (...args: A) => {
    const status = await action(...args);
    exitStatus = typeof status === "number" ? status : EXIT.ok;
  };

const program = new Command("video-gateway")
  .description("Generate videos through a video-generation gateway (Kling, Vidu, Jimeng, Seedance) from the command line.")
  .addOption(new Option("--base-url <url>", "the gateway's URL").env("VIDEO_GATEWAY_URL").default("http://127.0.0.1:8787"))
  .addOption(new Option("--api-key <key>", "your API key (sk-…)").env("VIDEO_GATEWAY_API_KEY"))
  .option("--json", "print exactly one JSON object on stdout (for generate and status: the final task object)")
  .exitOverride()
  .showHelpAfterError("(add --help for usage)");

function globals(command: Command): Globals & { api: Client } {
  const g = command.optsWithGlobals<Globals>();
  if (!g.apiKey) throw new UsageError("No API key: give --api-key sk-… or set VIDEO_GATEWAY_API_KEY.");
  if (!/^https?:\/\//.test(g.baseUrl)) throw new UsageError(`--base-url must be an http(s) URL, not "${g.baseUrl}".`);
  return { ...g, api: client(g.baseUrl, g.apiKey) };
}

/** The end of a command about one task: the task on stdout, exit 1 when it failed. */
function finish(task: Task, json: boolean | undefined, extra = ""): number {
  if (json) printJson(task);
  else process.stdout.write(`${taskLines(task)}${extra}\n`);
  if (task.status !== "failed") return EXIT.ok;
  process.stderr.write(`video-gateway: task ${task.task_id} failed: ${describeError(task.error ?? { code: null, message: "no reason given" })}\n`);
  return EXIT.taskFailed;
}

/** Downloads a succeeded task's video; a failure here is a failure after the task exists (exit 1). */
async function save(api: Client, task: Task, output: string | undefined): Promise<string> {
  const file = resolve(output ?? `${task.task_id}.mp4`);
  try {
    const bytes = await download(api, task, file);
    return `\n  saved ${file} (${formatBytes(bytes)})`;
  } catch (err) {
    throw new TaskTrouble(task, `could not download the video of ${task.task_id} to ${file}: ${(err as Error).message}`);
  }
}

program
  .command("generate")
  .description("create a task, show its progress until it is final, then download the MP4")
  .requiredOption("--model <model>", "a model id (see `video-gateway models`)")
  .option("--prompt <text>", "what the video shows (may be empty with --image)", "")
  .option("--duration <seconds>", "seconds of video; one the model offers")
  .option("--size <WxH>", "e.g. 1280x720; its aspect ratio and resolution pick the vendor's")
  .option("--image <file|url>", "the first frame: an image file (sent inline) or an http(s) URL")
  .option("--metadata <json>", 'vendor-specific fields as a JSON object, e.g. \'{"negative_prompt":"blurry"}\'')
  .option("--output <file>", "where to save the MP4 (default: <task_id>.mp4)")
  .option("--no-wait", "print the new task and exit without waiting for it")
  .action(
    act(async (options: GenerateOptions & { output?: string; wait: boolean }, command: Command) => {
      const { api, json } = globals(command);
      const body = generationBody(options);
      const created = await api.json<Task>("/v1/video/generations", { method: "POST", body });
      if (!options.wait) return finish(created, json);
      if (!json) process.stdout.write(`${created.task_id}  ${created.model}  created\n`);
      let task: Task;
      try {
        task = await waitUntilFinal(api, created);
      } catch (err) {
        throw new TaskTrouble(created, `lost track of ${created.task_id}: ${(err as Error).message}`);
      }
      return finish(task, json, task.status === "succeeded" ? await save(api, task, options.output) : "");
    }),
  );

program
  .command("status")
  .description("show a task; with --wait, wait until it is final")
  .argument("<task_id>")
  .option("--wait", "wait until the task is final, showing its progress")
  .action(
    act(async (id: string, options: { wait?: boolean }, command: Command) => {
      const { api, json } = globals(command);
      const task = await api.json<Task>(`/v1/video/generations/${encodeURIComponent(id)}`);
      return finish(options.wait ? await waitUntilFinal(api, task) : task, json);
    }),
  );

program
  .command("list")
  .description("your recent tasks, newest first")
  .option("--limit <n>", "how many (1 to 100)", "20")
  .action(
    act(async (options: { limit: string }, command: Command) => {
      const { api, json } = globals(command);
      const page = await api.json<{ data: Task[]; has_more: boolean }>(`/v1/video/generations?limit=${encodeURIComponent(options.limit)}`);
      if (json) return printJson(page);
      const rows = page.data.map((t) => [t.task_id, t.model, t.status, new Date(t.created_at * 1000).toISOString(), t.error?.code ?? ""]);
      process.stdout.write(`${textTable(["TASK", "MODEL", "STATUS", "CREATED", "ERROR"], rows)}\n`);
    }),
  );

program
  .command("download")
  .description("download a succeeded task's MP4")
  .argument("<task_id>")
  .option("--output <file>", "where to save it (default: <task_id>.mp4)")
  .action(
    act(async (id: string, options: { output?: string }, command: Command) => {
      const { api, json } = globals(command);
      const task = await api.json<Task>(`/v1/video/generations/${encodeURIComponent(id)}`);
      if (task.status === "processing") throw new UsageError(`${id} is still processing; wait for it with \`video-gateway status ${id} --wait\`.`);
      if (task.status === "failed") return finish(task, json);
      return finish(task, json, await save(api, task, options.output));
    }),
  );

program
  .command("cancel")
  .description("cancel a processing task")
  .argument("<task_id>")
  .action(
    act(async (id: string, _options: unknown, command: Command) => {
      const { api, json } = globals(command);
      const task = await api.json<Task>(`/v1/video/generations/${encodeURIComponent(id)}/cancel`, { method: "POST" });
      if (json) printJson(task);
      else process.stdout.write(`${taskLines(task)}\n`);
    }),
  );

interface Model {
  id: string;
  owned_by: string;
  durations: number[];
  resolutions: string[];
  inputs: string[];
  pricing: { per_second: Record<string, number> };
}

program
  .command("models")
  .description("the models this gateway serves, what they take and their price")
  .action(
    act(async (_options: unknown, command: Command) => {
      const { api, json } = globals(command);
      const list = await api.json<{ data: Model[] }>("/v1/models");
      if (json) return printJson(list);
      const rows = list.data.map((m) => [
        m.id,
        m.owned_by,
        m.durations.join(","),
        m.inputs.join(","),
        Object.entries(m.pricing.per_second)
          .map(([what, credits]) => `${what} ${credits}`)
          .join(", "),
      ]);
      process.stdout.write(`${textTable(["MODEL", "VENDOR", "SECONDS", "INPUTS", "CREDITS/S"], rows)}\n`);
    }),
  );

program
  .command("account")
  .description("your key: credits, limits, models")
  .action(
    act(async (_options: unknown, command: Command) => {
      const { api, json } = globals(command);
      const account = await api.json<{
        label: string;
        credits: { balance: number | null; reserved: number };
        rate_limit_per_minute: number;
        max_concurrent_tasks: number;
        models: string[] | null;
      }>("/v1/account");
      if (json) return printJson(account);
      const c = account.credits;
      process.stdout.write(
        `${[
          `key       ${account.label}`,
          `credits   ${c.balance === null ? "unmetered" : `${c.balance} (reserved ${c.reserved}, available ${c.balance - c.reserved})`}`,
          `limits    ${account.rate_limit_per_minute} tasks/min, ${account.max_concurrent_tasks} at once`,
          `models    ${account.models?.join(", ") ?? "all"}`,
        ].join("\n")}\n`,
      );
    }),
  );

program.addHelpText(
  "after",
  `
Examples (against \`npm start\`):
  export VIDEO_GATEWAY_API_KEY=sk-local-dev
  npx video-gateway models
  npx video-gateway generate --model kling-v1 --prompt "an astronaut on the moon" --duration 5 --size 1280x720
  npx video-gateway generate --model viduq1 --prompt "waves" --image first-frame.png --output waves.mp4 --json
  npx video-gateway status vgt_… --wait

Exit status: 0 success, 1 the task failed, 2 a usage error or an error answer before any task exists.`,
);

/** Runs the command line and turns every outcome into its exit status. */
async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv);
    return exitStatus;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof TaskTrouble) {
      if (json) printJson(err.task);
      process.stderr.write(`video-gateway: ${err.message}\n`);
      return EXIT.taskFailed;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`video-gateway: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof GatewayError) {
      if (json) printJson(err.body);
      process.stderr.write(`video-gateway: the gateway answered ${err.status}: ${describeError(err.body)}\n`);
      return EXIT.usage;
    }
    const cause = (err as Error & { cause?: Error }).cause?.message;
    process.stderr.write(`video-gateway: ${(err as Error).message}${cause ? ` (${cause})` : ""}\n`);
    return EXIT.usage;
  }
}

process.exitCode = await main(process.argv);
