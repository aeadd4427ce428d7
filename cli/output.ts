// What the commands print on stdout: one JSON object with --json, else short human-readable lines.
import type { GatewayError, Task } from "./client.ts";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The gateway's error, as it said it: "code: message". */
export function describeError(err: Pick<GatewayError["body"], "code" | "message">): string {
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

export function taskLines(task: Task): string {
  const lines = [`${task.task_id}  ${task.model}  ${task.status}`];
  const m = task.metadata;
  if (task.status === "succeeded") {
    lines.push(`  ${m.duration} s, ${m.width}x${m.height}, ${m.fps} fps${task.cost !== undefined ? `, ${task.cost} credits` : ""}`);
    if (task.url) lines.push(`  ${task.url}`);
  }
  if (task.error) lines.push(`  ${describeError(task.error)}`);
  return lines.join("\n");
}

/** A plain text table: columns padded to their widest cell. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
