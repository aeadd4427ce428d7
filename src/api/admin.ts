import { Hono } from "hono";
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { taskPage, usage } from "../keys/ledger.ts";
import { getKey, insertKey, listKeys, type ManagedKey, revokeKey, updateKey } from "../keys/registry.ts";
import { sha256Hex, toHex } from "../lib/crypto.ts";
import { presentKey } from "../present/key.ts";
import { presentTask, publicOrigin } from "../present/task.ts";
import { findModel } from "../providers/registry.ts";
import { requireAdminKey } from "./admin-auth.ts";
import type { AppEnv } from "./app-env.ts";
import { forgetCachedKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { readJson } from "./request-body.ts";
import { documented } from "./route-docs.ts";
import { AdminUsageQuery, CreateKeyBody, CreditBody, UpdateKeyBody } from "./schemas.ts";
import { pageQuery, parseOr400 } from "./validation.ts";

const TASK_STATUSES = ["processing", "succeeded", "failed"] as const;

const random = (bytes: number) => toHex(crypto.getRandomValues(new Uint8Array(bytes)));

/** An allow-list names models the gateway has (offered now or not: the operator may add a vendor's credentials later). */
function checkModels(models: string[] | null | undefined): void {
  const unknown = models?.find((id) => !findModel(id));
  if (unknown !== undefined)
    throw new ApiError(400, `models names "${unknown}", which is no model of this gateway; see GET /v1/models.`, "model_not_found", "models");
}

async function existing(env: Env, id: string): Promise<ManagedKey> {
  const key = await getKey(env.DB, id);
  if (!key) throw new ApiError(404, `No API key "${id}" (it may have been revoked).`, "key_not_found", "id");
  return key;
}

async function shown(env: Env, cfg: Config, key: ManagedKey) {
  return presentKey(cfg, key, await env.KEYS.getByName(key.id).credits());
}

/** The operator's routes (API.md §8), all behind an ADMIN_API_KEYS key. */
export const admin = new Hono<AppEnv>()
  .use(requireAdminKey)
  .post(
    "/keys",
    documented({
      tag: "Operator",
      summary: "Create an API key (shown once)",
      body: { schema: CreateKeyBody },
      ok: { description: "The key object, with the key itself.", status: 201 },
      errors: [400, 403],
    }),
    async (c) => {
      const body = parseOr400(CreateKeyBody, await readJson(c.req.raw), Object.keys(CreateKeyBody.entries));
      checkModels(body.models);
      const secret = `sk-${random(24)}`;
      const key: ManagedKey = {
        id: `key_${random(12)}`,
        digest: await sha256Hex(secret),
        label: body.label,
        rate_limit_per_minute: body.rate_limit_per_minute,
        max_concurrent_tasks: body.max_concurrent_tasks,
        models: body.models,
        expires_at: body.expires_at,
        disabled: false,
        metered: body.credits !== null,
        created_at: Math.floor(Date.now() / 1000),
        last_used_at: null,
        revoked_at: null,
      };
      // The balance first: a crash before the registry row leaves an account no key can reach, never a key without one.
      const credits = await c.env.KEYS.getByName(key.id).openAccount(key.id, body.credits);
      await insertKey(c.env.DB, key);
      return c.json({ ...presentKey(c.var.config, key, credits), key: secret }, 201);
    },
  )
  .get(
    "/keys",
    documented({
      tag: "Operator",
      summary: "List the API keys",
      query: { limit: "1 to 100.", after: "The last_id of the previous page." },
      ok: { description: "A page of key objects." },
      errors: [400, 403],
    }),
    async (c) => {
      const { limit, after } = pageQuery(c.req.query("limit"), c.req.query("after"));
      const page = await listKeys(c.env.DB, limit, after);
      if (!page) throw new ApiError(400, "after must be the id of a key (the last_id of the previous page).", "invalid_value", "after");
      const data = await Promise.all(page.keys.map((key) => shown(c.env, c.var.config, key)));
      return c.json({ object: "list", data, has_more: page.hasMore, last_id: data.at(-1)?.id ?? null });
    },
  )
  .get("/keys/:id", documented({ tag: "Operator", summary: "Read an API key", ok: { description: "The key object." }, errors: [403, 404] }), async (c) =>
    c.json(await shown(c.env, c.var.config, await existing(c.env, c.req.param("id")))),
  )
  .patch(
    "/keys/:id",
    documented({
      tag: "Operator",
      summary: "Change an API key: label, limits, models, expiry, disabled",
      body: { schema: UpdateKeyBody },
      ok: { description: "The key object." },
      errors: [400, 403, 404],
    }),
    async (c) => {
      const before = await existing(c.env, c.req.param("id"));
      const changes = parseOr400(UpdateKeyBody, await readJson(c.req.raw), Object.keys(UpdateKeyBody.entries));
      checkModels(changes.models);
      const key = await updateKey(c.env.DB, before.id, changes);
      forgetCachedKey(before.digest);
      if (!key) throw new ApiError(404, `No API key "${before.id}" (it was revoked meanwhile).`, "key_not_found", "id");
      return c.json(await shown(c.env, c.var.config, key));
    },
  )
  .post(
    "/keys/:id/credits",
    documented({
      tag: "Operator",
      summary: "Top up (or debit) a key's credits; honours Idempotency-Key",
      body: { schema: CreditBody },
      ok: { description: "The key object." },
      errors: [400, 403, 404, 409, 422],
    }),
    async (c) => {
      const key = await existing(c.env, c.req.param("id"));
      const body = parseOr400(CreditBody, await readJson(c.req.raw), Object.keys(CreditBody.entries));
      const idemKey = c.req.header("idempotency-key");
      if (idemKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idemKey)) {
        throw new ApiError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.", "invalid_value", "Idempotency-Key");
      }
      const bodySha = await sha256Hex(JSON.stringify([body.amount, body.note]));
      const result = await c.env.KEYS.getByName(key.id).credit(key.id, idemKey ?? `once-${random(12)}`, body.amount, body.note, bodySha);
      switch (result.kind) {
        case "unmetered":
          throw new ApiError(409, `Key ${key.id} is unmetered (created with credits null): it has no balance to change.`, "key_unmetered", "id");
        case "mismatch":
          throw new ApiError(
            422,
            "This Idempotency-Key was already used with a different amount or note; use a new key for a new top-up.",
            "idempotency_key_reused",
            "Idempotency-Key",
          );
        case "insufficient":
          throw new ApiError(
            409,
            `A debit of ${-body.amount} would leave less than the ${result.reserved} credits reserved by running tasks (balance ${result.balance}); debit at most ${result.balance - result.reserved}.`,
            "insufficient_credits",
            "amount",
          );
      }
      const answer = presentKey(c.var.config, key, { balance: result.balance, reserved: result.reserved });
      return c.json(answer, 200, result.kind === "replayed" ? { "idempotent-replayed": "true" } : {});
    },
  )
  .delete(
    "/keys/:id",
    documented({ tag: "Operator", summary: "Revoke an API key", ok: { description: "The key, deleted." }, errors: [403, 404] }),
    async (c) => {
      const key = await existing(c.env, c.req.param("id"));
      await revokeKey(c.env.DB, key.id, Math.floor(Date.now() / 1000));
      forgetCachedKey(key.digest);
      return c.json({ id: key.id, object: "api_key.deleted", deleted: true });
    },
  )
  .get(
    "/usage",
    documented({
      tag: "Operator",
      summary: "Usage by day, model or key",
      query: { from: "Unix seconds.", to: "Unix seconds.", key_id: "One key only.", group_by: "day, model or key." },
      ok: { description: "Tasks, succeeded, failed, seconds and credits charged per group." },
      errors: [400, 403],
    }),
    async (c) => {
      const q = parseOr400(AdminUsageQuery, c.req.query(), Object.keys(AdminUsageQuery.entries));
      if (q.key_id !== undefined) await c.env.KEYS.getByName(q.key_id).flush();
      const data = await usage(c.env.DB, { from: q.from ?? null, to: q.to ?? null, keyId: q.key_id ?? null, groupBy: q.group_by });
      return c.json({ object: "list", data });
    },
  )
  .get(
    "/tasks",
    documented({
      tag: "Operator",
      summary: "Every key's tasks, newest first",
      query: { status: "processing, succeeded or failed.", key_id: "One key only.", limit: "1 to 100.", after: "The last_id of the previous page." },
      ok: { description: "A page of task objects, each with its key_id." },
      errors: [400, 403],
    }),
    async (c) => {
      const { limit, after } = pageQuery(c.req.query("limit"), c.req.query("after"));
      const status = c.req.query("status") ?? null;
      if (status !== null && !(TASK_STATUSES as readonly string[]).includes(status)) {
        throw new ApiError(400, `status must be one of ${TASK_STATUSES.join(", ")}.`, "invalid_value", "status");
      }
      const page = await taskPage(c.env.DB, { status: status as (typeof TASK_STATUSES)[number] | null, keyId: c.req.query("key_id") ?? null, limit, after });
      if (!page) throw new ApiError(400, "after must be a task_id (the last_id of the previous page).", "invalid_value", "after");
      const origin = publicOrigin(c.var.config, c.req.url);
      const tasks = await Promise.all(page.ids.map((id) => c.env.TASKS.getByName(id).read()));
      const data = await Promise.all(tasks.filter((t) => t !== null).map(async (t) => ({ ...(await presentTask(c.var.config, origin, t)), key_id: t.owner })));
      return c.json({ object: "list", data, has_more: page.hasMore, last_id: data.at(-1)?.task_id ?? null });
    },
  );
