import { Hono } from "hono";
import { usage } from "../keys/ledger.ts";
import { presentAccount } from "../present/key.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { documented } from "./route-docs.ts";
import { UsageQuery } from "./schemas.ts";
import { parseOr400 } from "./validation.ts";

/** The calling key's own account and usage (API.md §8). */
export const account = new Hono<AppEnv>()
  .get(
    "/account",
    documented({
      tag: "Account",
      summary: "The calling key: label, credits (balance and reserved), limits, models, expiry",
      ok: { description: "The key's account." },
    }),
    requireApiKey,
    async (c) => {
      const credits = await c.env.KEYS.getByName(c.var.caller.keyId).credits();
      return c.json(presentAccount(c.var.config, c.var.caller, credits));
    },
  )
  .get(
    "/usage",
    documented({
      tag: "Account",
      summary: "The calling key's usage, grouped by day or model",
      query: { from: "Unix seconds.", to: "Unix seconds.", group_by: "day, model or key." },
      ok: { description: "Tasks, succeeded, failed, seconds and credits charged per group." },
      errors: [400],
    }),
    requireApiKey,
    async (c) => {
      const q = parseOr400(UsageQuery, c.req.query(), Object.keys(UsageQuery.entries));
      const keys = c.env.KEYS.getByName(c.var.caller.keyId);
      // The key's own events reach the ledger first, so its usage agrees with what it just saw of its tasks.
      await keys.flush();
      const data = await usage(c.env.DB, { from: q.from ?? null, to: q.to ?? null, keyId: c.var.caller.keyId, groupBy: q.group_by });
      return c.json({ object: "list", data });
    },
  );
