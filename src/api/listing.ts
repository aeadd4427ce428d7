import type { Context } from "hono";
import * as v from "valibot";
import type { TaskRecord } from "../tasks/task-record.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError } from "./errors.ts";
import { findTask } from "./owned-task.ts";

const MAX_LIST = 100;

/** One page of the caller's tasks, per `?limit=&after=` (both list routes share the cursor and its checks). */
export async function listTasks(c: Context<AppEnv>, order: "asc" | "desc" = "desc"): Promise<{ tasks: TaskRecord[]; hasMore: boolean }> {
  const limitText = c.req.query("limit");
  const limit = limitText === undefined ? 20 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1 || limit > MAX_LIST) throw new ApiError(400, `limit must be an integer from 1 to ${MAX_LIST}.`, "invalid_value", "limit");
  const after = c.req.query("after") ?? null;
  const page = await c.env.KEYS.getByName(c.var.caller.keyId).list(limit, after, order);
  if (!page) throw new ApiError(400, `after must be the id of one of your tasks (the last_id of the previous page).`, "invalid_value", "after");
  const tasks = await Promise.all(page.ids.map((id) => findTask(c.env, id)));
  return { tasks: tasks.filter((t) => t !== null), hasMore: page.hasMore };
}

/** The query of both list routes, for their descriptions. */
export const LIST_QUERY = { limit: `Page size, 1 to ${MAX_LIST} (default 20).`, after: "The last_id of the previous page." };

/** A list answer's shape around its items, for the descriptions. */
export function page(item: v.GenericSchema, cursor: v.ObjectEntries) {
  return v.object({ object: v.literal("list"), data: v.array(item), ...cursor });
}
