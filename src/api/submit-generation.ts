import type { Context } from "hono";
import { endTime, startTime } from "hono/timing";
import type { Admission, KeyObject } from "../keys/key-object.ts";
import { createTask, newTaskId, type StageTimer, type TaskRequest } from "../tasks/create.ts";
import type { TaskRecord } from "../tasks/task-record.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError, errorPayload } from "./errors.ts";

function idempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new ApiError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.", "invalid_value", "Idempotency-Key");
  }
  return header;
}

/** What admission control says, as an answer; null means "go ahead". */
function refusal(admission: Exclude<Admission, { kind: "go" }>): Response {
  switch (admission.kind) {
    case "replay":
      return new Response(admission.response.body, {
        status: admission.response.status,
        headers: { "content-type": "application/json", "idempotent-replayed": "true" },
      });
    case "mismatch":
      throw new ApiError(
        422,
        "This Idempotency-Key was already used with a different body; use a new key for a new request.",
        "idempotency_key_reused",
        "Idempotency-Key",
      );
    case "limited":
      throw new ApiError(
        429,
        admission.reason === "rate"
          ? `Too many requests for this API key; retry after ${admission.retryAfterS} s.`
          : `This API key has too many tasks processing at once; retry when some finish (about ${admission.retryAfterS} s).`,
        admission.reason === "rate" ? "rate_limit_exceeded" : "concurrency_limit_exceeded",
        null,
        { "retry-after": String(admission.retryAfterS) },
      );
  }
}

/**
 * Runs `create` and answers with the task whenever one exists: once its TaskObject exists the task will run (its
 * watchdog starts a workflow that failed to start), so an error after that point must not hide it. An error
 * before it leaves nothing that can reach a vendor, and frees the Idempotency-Key. When even that cannot be told
 * (the TaskObject does not answer), the key stays held by this task id, and a retry with it carries on with the same
 * task once this request's lease ends.
 */
async function createOrExplain(
  env: AppEnv["Bindings"],
  keys: DurableObjectStub<KeyObject>,
  idemKey: string | null,
  taskId: string,
  create: () => Promise<TaskRecord>,
): Promise<TaskRecord> {
  try {
    return await create();
  } catch (err) {
    const existing = await env.TASKS.getByName(taskId)
      .read()
      .catch(() => undefined);
    if (existing) return existing;
    if (existing === null) {
      // Never created: its reservation (if it got one) is withdrawn, so the key pays nothing for it.
      await Promise.allSettled([keys.forgetTask(taskId), keys.release(taskId), idemKey === null ? undefined : keys.abandon(idemKey)]);
    }
    throw err;
  }
}

/**
 * The part of a create request every surface shares, once its body is validated into `request`: admission (rate,
 * concurrency, Idempotency-Key keyed by `bodySha`), the task's creation, the vendor's refusal as the answer, and the
 * answer kept for the Idempotency-Key. `present` shows the task in the surface's own shape.
 */
export async function submitGeneration(
  c: Context<AppEnv>,
  request: TaskRequest,
  bodySha: string,
  origin: string,
  present: (task: TaskRecord) => Promise<unknown>,
): Promise<Response> {
  const env = c.env;
  const { caller } = c.var;
  if (caller.models !== null && !caller.models.includes(request.model.spec.id)) {
    throw new ApiError(403, `This API key may not use ${request.model.spec.id}; it may use ${caller.models.join(", ")}.`, "model_not_allowed", "model");
  }
  const idemKey = idempotencyKey(c.req.header("idempotency-key"));
  const keys = env.KEYS.getByName(caller.keyId);
  // Each stage in the answer's Server-Timing header: where a slow POST spent its time (bench/hot-paths.ts sums them).
  const time: StageTimer = async (stage, work) => {
    startTime(c, stage);
    try {
      return await work();
    } finally {
      endTime(c, stage);
    }
  };
  const admission = await time("admit", async () => keys.admit(idemKey, bodySha, caller.limits, newTaskId()));
  if (admission.kind !== "go") return refusal(admission);

  const task = await createOrExplain(c.env, keys, idemKey, admission.taskId, () => createTask(env, caller.keyId, origin, request, admission.taskId, time));
  // A task that ended while its submission was in doubt (the vendor may have it: upstream_submission_unknown) is not a
  // refusal: it is answered as the task it is, failed, so the client learns its id, and a retry replays it.
  if (task.state === "failed" && task.error && !task.submit.open) {
    // The vendor refused the request itself: that refusal is the POST's own answer, also for a replay.
    const { status, code, message } = task.error;
    const error = new ApiError(status, message, code, null);
    const answer = { status, body: JSON.stringify(errorPayload(c.req.path, error)) };
    // Nothing exists at the vendor. A retry may try again when the trouble is the gateway's or the vendor account's
    // (5xx); a refusal of the request itself (4xx) is replayed.
    await keys.forgetTask(task.id);
    if (status >= 500 && idemKey !== null) await keys.abandon(idemKey);
    else await keys.settle(idemKey, answer);
    throw error;
  }
  const body = JSON.stringify(await present(task));
  // The task runs whatever happens to this record: a retry with the key then carries on with the same task.
  if (idemKey !== null) {
    await time("settle", async () => keys.settle(idemKey, { status: 200, body })).catch((err: Error) =>
      console.error(`task ${task.id}: its Idempotency-Key was not settled: ${err.message}`),
    );
  }
  return c.body(body, 200, { "content-type": "application/json" });
}
