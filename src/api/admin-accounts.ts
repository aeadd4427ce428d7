import { Hono } from "hono";
import { accountViews } from "../tasks/accounts.ts";
import { requireAdminKey } from "./admin-auth.ts";
import type { AppEnv } from "./app-env.ts";
import { documented } from "./route-docs.ts";

/** GET /v1/admin/accounts: every configured vendor account, its health and counts; never a secret (API.md §13). */
const doc = documented({
  tag: "Operator",
  summary: "Every vendor account: health, last error, accepted and refused submissions (never a secret)",
  ok: { description: "The vendor accounts." },
  errors: [403],
});

export const adminAccounts = new Hono<AppEnv>().get("/", doc, requireAdminKey, async (c) => {
  const data = await accountViews(c.env, c.var.config);
  return c.json({ object: "list", data });
});
