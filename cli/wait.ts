// Until a task is final: the gateway holds each `?wait=` request until the task changes or the wait ends (API.md §4),
// so this asks about once per WAIT_S, never in a tight loop.
import { type Client, GatewayError, type Task } from "./client.ts";
import { statusLine } from "./progress.ts";

const WAIT_S = 30;
/** How long the gateway may stay unreachable while a task runs before the CLI gives up. */
const GIVE_UP_MS = 5 * 60_000;

export async function waitUntilFinal(api: Client, first: Task): Promise<Task> {
  let task = first;
  const line = statusLine(task.created_at * 1000);
  let failingSince: number | null = null;
  let backoff = 1000;
  try {
    line.update(`${task.task_id} ${task.status}`);
    while (task.status === "processing") {
      try {
        task = await api.json<Task>(`/v1/video/generations/${encodeURIComponent(task.task_id)}?wait=${WAIT_S}`);
        failingSince = null;
        backoff = 1000;
      } catch (err) {
        // An error answer about the task itself (404, 401) will not change; a network hiccup or a 5xx may.
        if (err instanceof GatewayError && err.status < 500 && err.status !== 429) throw err;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > GIVE_UP_MS) throw err;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 15_000);
      }
      line.update(`${task.task_id} ${task.status}`);
    }
  } finally {
    line.stop();
  }
  return task;
}
