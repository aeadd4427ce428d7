// What the user sees while the CLI waits: drawn on stderr, and only when stderr is a terminal (a pipe or a log file
// gets no spinner frames or carriage returns).
import cliProgress from "cli-progress";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

const drawsProgress = (): boolean => process.stderr.isTTY === true;

/** One self-redrawing status line: "⠙ vgt_… processing · 12 s". */
export function statusLine(since: number): { update(text: string): void; stop(): void } {
  if (!drawsProgress()) return { update() {}, stop() {} };
  let text = "";
  let frame = 0;
  const draw = () => {
    const elapsed = Math.max(0, Math.round((Date.now() - since) / 1000));
    process.stderr.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${text} · ${elapsed} s`);
  };
  const timer = setInterval(draw, 125);
  return {
    update(next: string) {
      text = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      process.stderr.write("\r\x1b[K");
    },
  };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** A byte progress bar (cli-progress) for a download of `total` bytes (null: unknown, so a running count). */
export function byteBar(total: number | null): { advance(bytes: number): void; stop(): void } {
  if (!drawsProgress()) return { advance() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: total ? "Downloading {bar} {percentage}% · {done}/{size} MiB" : "Downloading {done} MiB",
      formatValue: (value, _options, type) => (type === "value" || type === "total" ? mib(value) : String(value)),
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  bar.start(total ?? 0, 0, { done: mib(0), size: mib(total ?? 0) });
  return {
    advance(bytes: number) {
      done += bytes;
      bar.update(done, { done: mib(done) });
    },
    stop() {
      bar.stop();
      process.stderr.write("\n"); // the bar stays, and what follows starts on its own line
    },
  };
}
