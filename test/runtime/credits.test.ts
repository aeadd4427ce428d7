// Keys, credits and usage (API.md §8) through the real Worker: admin routes, metered keys, prices, reservations,
// charges, refunds, the 402, allow-lists, revocation, and usage that agrees with the tasks.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { config } from "../../src/config.ts";
import { DEFAULT_PRICES, pricingOf } from "../../src/keys/prices.ts";
import { findModel } from "../../src/providers/registry.ts";
import { TEST_ADMIN_KEY } from "../support/test-env.ts";
import { until } from "../support/until.ts";
import { apiJson } from "./helpers.ts";

type Json = Record<string, any>;

/** kling-v1 renders 720p only, 5 s by default: 98 credits a second. */
const KLING_V1_PRICE = 98 * 5;

const admin = (path: string, init: Parameters<typeof apiJson>[1] = {}) => apiJson(`/v1/admin${path}`, { bearer: TEST_ADMIN_KEY, ...init });

async function newKey(fields: Json = {}): Promise<{ id: string; key: string; body: Json }> {
  const made = await admin("/keys", { method: "POST", json: { label: `test ${crypto.randomUUID()}`, ...fields } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { id: made.body.id, key: made.body.key, body: made.body };
}

const as = (key: string) => ({
  get: (path: string) => apiJson(path, { bearer: key }),
  post: (path: string, json: unknown, headers: Record<string, string> = {}) => apiJson(path, { method: "POST", bearer: key, json, headers }),
});

/** The task once final (the gateway's own ?wait=). */
async function final(key: string, id: string): Promise<Json> {
  return (await as(key).get(`/v1/video/generations/${id}?wait=25`)).body;
}

/** A key's credits once no task of it is processing (a final task's charge lands just after its final state). */
const settled = (key: string) =>
  until("the key's reservations to settle", async () => {
    const { body } = await as(key).get("/v1/account");
    return body.credits.reserved === 0 ? body.credits : undefined;
  });

describe("admin routes", () => {
  it("need an admin key: none is 401, a user key 403, an unknown one 401", async () => {
    expect((await apiJson("/v1/admin/keys", { key: null })).status).toBe(401);
    const user = await apiJson("/v1/admin/keys");
    expect([user.status, user.body.type, user.body.code]).toEqual([403, "permission_error", "admin_key_required"]);
    expect((await apiJson("/v1/admin/keys", { bearer: "sk-nobody" })).status).toBe(401);
    const { key } = await newKey();
    expect((await apiJson("/v1/admin/usage", { bearer: key })).status).toBe(403);
  });

  it("create a key shown once, stored as a digest, then read, list and change it", async () => {
    const { id, key, body } = await newKey({ credits: 500, rate_limit_per_minute: 7, models: ["kling-v1"], expires_at: 4_000_000_000 });
    expect(key).toMatch(/^sk-[0-9a-f]{48}$/);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^key_/),
      credits: { balance: 500, reserved: 0 },
      rate_limit_per_minute: 7,
      models: ["kling-v1"],
      expires_at: 4_000_000_000,
      disabled: false,
      last_used_at: null,
    });
    const stored = await env.DB.prepare("SELECT * FROM keys WHERE id = ?").bind(id).first<Json>();
    expect(JSON.stringify(stored)).not.toContain(key);

    const read = await admin(`/keys/${id}`);
    const { key: _shownOnce, ...keyObject } = body;
    expect(read.body).toEqual(keyObject);
    expect(read.body).not.toHaveProperty("key");

    const changed = await admin(`/keys/${id}`, { method: "PATCH", json: { label: "renamed", max_concurrent_tasks: 3, models: null } });
    expect(changed.body).toMatchObject({ label: "renamed", max_concurrent_tasks: 3, models: null, rate_limit_per_minute: 7 });

    const list = await admin("/keys?limit=100");
    expect(list.body).toMatchObject({ object: "list", has_more: expect.any(Boolean) });
    const listed = list.body.data.find((k: Json) => k.id === id);
    expect(listed).toMatchObject({ label: "renamed" });
    expect(listed).not.toHaveProperty("key");
  });

  it("refuse bad bodies with 400s that name the field", async () => {
    const noLabel = await admin("/keys", { method: "POST", json: { credits: 5 } });
    expect([noLabel.status, noLabel.body.param]).toEqual([400, "label"]);
    const badModel = await admin("/keys", { method: "POST", json: { label: "x", models: ["no-such-model"] } });
    expect([badModel.status, badModel.body.param, badModel.body.code]).toEqual([400, "models", "model_not_found"]);
    const negative = await admin("/keys", { method: "POST", json: { label: "x", credits: -1 } });
    expect([negative.status, negative.body.param]).toEqual([400, "credits"]);
    const unknown = await admin("/keys", { method: "POST", json: { label: "x", balance: 5 } });
    expect([unknown.status, unknown.body.code]).toEqual([400, "unknown_field"]);
    expect((await admin("/keys/key_nope")).status).toBe(404);
  });
});

describe("credits", () => {
  it("a retried top-up credits once; the same Idempotency-Key with another amount is 422; a debit below 0 is 409", async () => {
    const { id, key } = await newKey({ credits: 100 });
    const topUp = () => admin(`/keys/${id}/credits`, { method: "POST", json: { amount: 250, note: "invoice 7" }, headers: { "idempotency-key": "inv-7" } });
    const first = await topUp();
    const again = await topUp();
    expect([first.status, first.body.credits.balance]).toEqual([200, 350]);
    expect([again.status, again.body.credits.balance, again.response.headers.get("idempotent-replayed")]).toEqual([200, 350, "true"]);
    expect((await as(key).get("/v1/account")).body.credits).toEqual({ balance: 350, reserved: 0 });

    const reused = await admin(`/keys/${id}/credits`, { method: "POST", json: { amount: 999, note: "invoice 7" }, headers: { "idempotency-key": "inv-7" } });
    expect([reused.status, reused.body.code]).toEqual([422, "idempotency_key_reused"]);
    const overdraw = await admin(`/keys/${id}/credits`, { method: "POST", json: { amount: -351 } });
    expect([overdraw.status, overdraw.body.code]).toEqual([409, "insufficient_credits"]);
    const debit = await admin(`/keys/${id}/credits`, { method: "POST", json: { amount: -50, note: "refund to card" } });
    expect(debit.body.credits.balance).toBe(300);
    // The ledger holds each credit once: opening 100, top-up 250 (once), debit −50.
    await until("the ledger to hold the credits", async () => {
      const row = await env.DB.prepare("SELECT COUNT(*) AS n, SUM(amount) AS total FROM ledger WHERE key_id = ? AND kind = 'credit'").bind(id).first<Json>();
      return row?.n === 3 && row.total === 300;
    });
  });

  it("GET /v1/models prices every model per resolution in integer credits, and shipped defaults cover every model", async () => {
    const { body } = await apiJson("/v1/models");
    expect(body.data.length).toBeGreaterThan(0);
    for (const model of body.data) {
      expect(model.pricing.unit).toBe("credits");
      expect(Object.keys(model.pricing.per_second).filter((k) => k !== "audio")).toEqual(model.resolutions);
      for (const credits of Object.values(model.pricing.per_second)) expect(Number.isInteger(credits) && (credits as number) > 0).toBe(true);
    }
    for (const [id, prices] of Object.entries(DEFAULT_PRICES)) {
      const spec = findModel(id)?.spec;
      expect(spec, id).toBeDefined();
      for (const resolution of spec!.resolutions) expect(prices[resolution], `${id} ${resolution}`).toBeGreaterThan(0);
    }
    expect(body.data.find((m: Json) => m.id === "kling-v1").pricing).toEqual({ unit: "credits", per_second: { "720p": 98 } });
  });

  it("PRICES overrides the table without code, and a bad PRICES names itself", async () => {
    const cfg = config({ ...env, PRICES: '{"kling-v1": {"720p": 3}, "kling-v2-6": {"audio": 1}}' });
    expect(pricingOf(cfg, findModel("kling-v1")!.spec).per_second).toEqual({ "720p": 3 });
    expect(pricingOf(cfg, findModel("kling-v2-6")!.spec).per_second).toEqual({ "720p": 42, "1080p": 70, audio: 1 });
    expect(() => config({ ...env, PRICES: "{not json" })).toThrow(/PRICES is not valid JSON/);
    expect(() => config({ ...env, PRICES: '{"kling-v1": {"720p": 1.5}}' })).toThrow(/PRICES must be a JSON object/);
    expect(() => pricingOf(config({ ...env, PRICES: '{"kling-v9": {"720p": 1}}' }), findModel("kling-v1")!.spec)).toThrow(/PRICES names model "kling-v9"/);
    expect(() => pricingOf(config({ ...env, PRICES: '{"kling-v1": {"1080p": 1}}' }), findModel("kling-v1")!.spec)).toThrow(/kling-v1 is priced by 720p/);
  });

  it("reserves a task's price at creation and charges it on success; the task carries its cost", async () => {
    const { key } = await newKey({ credits: 1000 });
    const created = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `charged ${crypto.randomUUID()}` });
    expect([created.status, created.body.cost]).toEqual([200, KLING_V1_PRICE]);
    const during = (await as(key).get("/v1/account")).body.credits;
    // Reserved while processing (unless it already finished in between, then charged).
    expect([1000, 1000 - KLING_V1_PRICE]).toContain(during.balance);
    expect(during.balance - during.reserved).toBe(1000 - KLING_V1_PRICE);
    const done = await final(key, created.body.task_id);
    expect([done.status, done.cost]).toEqual(["succeeded", KLING_V1_PRICE]);
    expect(await settled(key)).toEqual({ balance: 1000 - KLING_V1_PRICE, reserved: 0 });
  });

  it("a short balance is 402 naming price and balance, with nothing created nor submitted", async () => {
    const { key } = await newKey({ credits: 100 });
    const prompt = `too dear ${crypto.randomUUID()}`;
    const refused = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt }, { "idempotency-key": "k1" });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: "insufficient_credits", type: "billing_error" });
    expect(refused.body.message).toContain(`costs ${KLING_V1_PRICE} credits`);
    expect(refused.body.message).toContain("balance 100");
    expect((await as(key).get("/v1/video/generations")).body.data).toEqual([]);
    expect(await vendorCreates(prompt)).toBe(0);
    expect((await as(key).get("/v1/account")).body.credits).toEqual({ balance: 100, reserved: 0 });
  });

  it("5 concurrent POSTs with room for 2: exactly 2 accepted, 3 get 402 and submit nothing", async () => {
    const { key } = await newKey({ credits: 2 * KLING_V1_PRICE + 10 });
    const prompts = [1, 2, 3, 4, 5].map((i) => `race ${i} ${crypto.randomUUID()}`);
    const answers = await Promise.all(prompts.map((prompt) => as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `[sim:never] ${prompt}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 402, 402, 402]);
    const credits = (await as(key).get("/v1/account")).body.credits;
    expect(credits).toEqual({ balance: 2 * KLING_V1_PRICE + 10, reserved: 2 * KLING_V1_PRICE });
    const refusedPrompts = prompts.filter((_, i) => answers[i]!.status === 402);
    for (const prompt of refusedPrompts) expect(await vendorCreates(`[sim:never] ${prompt}`)).toBe(0);
    expect((await as(key).get("/v1/video/generations")).body.data).toHaveLength(2);
    // Cancelling both gives every credit back.
    for (const a of answers.filter((x) => x.status === 200)) await as(key).post(`/v1/video/generations/${a.body.task_id}/cancel`, {});
    expect(await settled(key)).toEqual({ balance: 2 * KLING_V1_PRICE + 10, reserved: 0 });
  });

  it("refunds in full a task that fails and one that is cancelled; their cost reads 0", async () => {
    const { key } = await newKey({ credits: 2000 });
    const failing = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `[sim:fail] ${crypto.randomUUID()}` });
    const cancelled = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `[sim:never] ${crypto.randomUUID()}` });
    expect([failing.status, cancelled.status]).toEqual([200, 200]);
    const cancel = await as(key).post(`/v1/video/generations/${cancelled.body.task_id}/cancel`, {});
    expect([cancel.body.status, cancel.body.cost]).toEqual(["failed", 0]);
    const failed = await final(key, failing.body.task_id);
    expect([failed.status, failed.cost]).toEqual(["failed", 0]);
    expect(await settled(key)).toEqual({ balance: 2000, reserved: 0 });
    // A vendor's refusal of the POST itself is refunded too.
    const refused = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `[sim:refuse] ${crypto.randomUUID()}` });
    expect(refused.status).toBe(400);
    expect(await settled(key)).toEqual({ balance: 2000, reserved: 0 });
  });

  it("usage totals equal the sum of the tasks' costs, for the user and the operator", async () => {
    const { id, key } = await newKey({ credits: 5000 });
    const ok = await Promise.all([1, 2].map((i) => as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `used ${i} ${crypto.randomUUID()}` })));
    const bad = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `[sim:fail] used ${crypto.randomUUID()}` });
    const tasks = await Promise.all([...ok, bad].map((t) => final(key, t.body.task_id)));
    expect(tasks.map((t) => t.status).sort()).toEqual(["failed", "succeeded", "succeeded"]);
    const costs = tasks.reduce((sum, t) => sum + t.cost, 0);
    expect(costs).toBe(2 * KLING_V1_PRICE);
    const balance = (await settled(key)).balance;
    expect(balance).toBe(5000 - costs);

    const mine = await as(key).get("/v1/usage?group_by=model");
    expect(mine.body).toEqual({ object: "list", data: [{ model: "kling-v1", tasks: 3, succeeded: 2, failed: 1, seconds: 10, credits: costs }] });
    const byKey = await admin(`/usage?group_by=key&key_id=${id}`);
    expect(byKey.body.data).toEqual([{ key_id: id, tasks: 3, succeeded: 2, failed: 1, seconds: 10, credits: costs }]);
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await as(key).get(`/v1/usage?group_by=day&from=${Math.floor(Date.now() / 1000) - 3600}`);
    expect(byDay.body.data).toEqual([{ day: today, tasks: 3, succeeded: 2, failed: 1, seconds: 10, credits: costs }]);
    expect((await as(key).get(`/v1/usage?from=${Math.floor(Date.now() / 1000) + 3600}`)).body.data).toEqual([]);
    expect((await as(key).get("/v1/usage?group_by=week")).body).toMatchObject({ param: "group_by" });
    expect((await as(key).get("/v1/usage?key_id=x")).body).toMatchObject({ code: "unknown_field", param: "key_id" });

    // Every key's tasks for the operator, newest first, each with its key_id; filters by key and status.
    const all = await admin(`/tasks?key_id=${id}`);
    expect(all.body.data.map((t: Json) => t.key_id)).toEqual([id, id, id]);
    expect(new Set(all.body.data.map((t: Json) => t.task_id))).toEqual(new Set(tasks.map((t) => t.task_id)));
    const times = all.body.data.map((t: Json) => t.created_at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const failedOnly = await admin(`/tasks?key_id=${id}&status=failed`);
    expect(failedOnly.body.data.map((t: Json) => t.task_id)).toEqual([bad.body.task_id]);
    expect((await admin("/tasks?status=done")).body.param).toBe("status");
  });
});

describe("what a key may do", () => {
  it("a model outside the key's models is 403 model_not_allowed", async () => {
    const { key } = await newKey({ credits: 5000, models: ["kling-v1"] });
    const refused = await as(key).post("/v1/video/generations", { model: "viduq1", prompt: "not mine" });
    expect(refused.body).toMatchObject({ code: "model_not_allowed", type: "permission_error", param: "model" });
    expect(refused.status).toBe(403);
  });

  it("a disabled, expired or revoked key is 401 within 2 s; a revoked key's running task still finishes and settles", async () => {
    const { id, key } = await newKey({ credits: 5000 });
    const running = await as(key).post("/v1/video/generations", { model: "kling-v1", prompt: `outlives its key ${crypto.randomUUID()}` });
    expect(running.status).toBe(200);

    await admin(`/keys/${id}`, { method: "PATCH", json: { disabled: true } });
    const disabled = await until(
      "the disable to bite",
      async () => {
        const r = await as(key).get("/v1/account");
        return r.status === 401 ? r.body : undefined;
      },
      2_000,
    );
    expect(disabled).toMatchObject({ code: "api_key_disabled", type: "authentication_error" });
    await admin(`/keys/${id}`, { method: "PATCH", json: { disabled: false, expires_at: Math.floor(Date.now() / 1000) - 1 } });
    const expired = await until(
      "the expiry to bite",
      async () => {
        const r = await as(key).get("/v1/account");
        return r.body.code === "api_key_expired" ? r : undefined;
      },
      2_000,
    );
    expect(expired.status).toBe(401);
    await admin(`/keys/${id}`, { method: "PATCH", json: { expires_at: null } });
    await until("the key to work again", async () => (await as(key).get("/v1/account")).status === 200, 2_000);

    expect((await admin(`/keys/${id}`, { method: "DELETE" })).body).toEqual({ id, object: "api_key.deleted", deleted: true });
    const revoked = await until(
      "the revoke to bite",
      async () => {
        const r = await as(key).get("/v1/account");
        return r.status === 401 ? r.body : undefined;
      },
      2_000,
    );
    expect(revoked.code).toBe("api_key_revoked");
    expect((await admin(`/keys/${id}`)).status).toBe(404);

    const task = await until("the running task to finish", async () => {
      const t = await env.TASKS.getByName(running.body.task_id).read();
      return t && (t.state === "succeeded" || t.state === "failed") ? t : undefined;
    });
    expect(task.state).toBe("succeeded");
    await until("its charge", async () => {
      const credits = await env.KEYS.getByName(id).credits();
      return credits.reserved === 0 && credits.balance === 5000 - KLING_V1_PRICE;
    });
  });

  it("static API_KEYS keys keep working, unmetered", async () => {
    const { status, body } = await apiJson("/v1/account");
    expect(status).toBe(200);
    expect(body).toMatchObject({ label: "alpha", credits: { balance: null }, models: null, expires_at: null });
    const unmetered = await newKey({ credits: null });
    expect(unmetered.body.credits).toEqual({ balance: null, reserved: 0 });
    const topUp = await admin(`/keys/${unmetered.id}/credits`, { method: "POST", json: { amount: 5 } });
    expect([topUp.status, topUp.body.code]).toEqual([409, "key_unmetered"]);
  });
});

/** How many creates the simulator saw with this exact prompt (any vendor). */
async function vendorCreates(prompt: string): Promise<number> {
  const stats = (await (await fetch(`${env.KLING_BASE_URL}/__sim/stats`)).json()) as Record<string, Json>;
  return Object.values(stats).reduce((n, vendor) => n + ((vendor?.byPrompt?.[prompt]?.calls as number | undefined) ?? 0), 0);
}
