// Cancel, list and ?wait=N (API.md §4, issue 7), inside the runtime against the shared simulator
// (tasks finish 1.5 s after creation; `[sim:never]` keeps one processing).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiJson } from "./helpers.ts";

type Key = "alpha" | "beta";
type Json = Record<string, any>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function create(prompt: string, key: Key = "alpha"): Promise<Json> {
  const { status, body } = await apiJson("/v1/video/generations", { method: "POST", key, json: { model: "kling-v1", prompt } });
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.status).toBe("processing");
  return body;
}

const cancel = (id: string, key: Key = "alpha") => apiJson(`/v1/video/generations/${id}/cancel`, { method: "POST", key });
const get = (id: string, key: Key = "alpha", query = "") => apiJson(`/v1/video/generations/${id}${query}`, { key });
const list = (query: string, key: Key = "alpha") => apiJson(`/v1/video/generations${query}`, { key });

function expectError(body: Json, code: string | null, param?: string | null) {
  expect(Object.keys(body).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.type).toBe("invalid_request_error");
  if (code !== null) expect(body.code).toBe(code);
  if (param !== undefined) expect(body.param).toBe(param);
}

/** Every task id of a key, walking the cursor with a small page size. */
async function walk(key: Key, limit: number): Promise<{ ids: string[]; pages: Json[] }> {
  const pages: Json[] = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const { status, body } = await list(`?limit=${limit}${after ? `&after=${after}` : ""}`, key);
    expect(status).toBe(200);
    pages.push(body);
    if (!body.has_more) break;
    after = body.last_id;
  }
  return { ids: pages.flatMap((p) => p.data.map((t: Json) => t.task_id)), pages };
}

describe("POST /v1/video/generations/{id}/cancel", () => {
  it("cancels upstream too where the vendor can (Vidu, before it schedules the task)", async () => {
    const sim = env.KLING_BASE_URL!; // the simulator serves every vendor
    const cancels = async () => ((await (await fetch(`${sim}/__sim/stats`)).json()) as { vidu: { cancel: number } }).vidu.cancel;
    const before = await cancels();
    const created = await apiJson("/v1/video/generations", { method: "POST", json: { model: "viduq1", prompt: "[sim:never] a short life" } });
    const cancelled = await cancel(created.body.task_id);
    expect(cancelled.body).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    expect(await cancels()).toBe(before + 1);
  });

  it("ends a processing task as failed with error code cancelled; a second cancel is 409", async () => {
    const { task_id: id } = await create("[sim:never] a clock that never stops");
    const cancelled = await cancel(id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ task_id: id, status: "failed", url: null });
    expect(cancelled.body.error).toMatchObject({ code: "cancelled", type: "invalid_request_error" });
    expect(cancelled.body.completed_at).toEqual(expect.any(Number));

    // It stays cancelled: the workflow's next poll (1 s here) sees a final task and changes nothing.
    await sleep(2_500);
    const after = await get(id);
    expect(after.body).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    expect(after.body.completed_at).toBe(cancelled.body.completed_at);

    const again = await cancel(id);
    expect(again.status).toBe(409);
    expectError(again.body, "task_not_cancellable", "task_id");
  });

  it("answers 409 for a task that already succeeded, and leaves it succeeded", async () => {
    const { task_id: id } = await create("a sunflower field");
    const done = await get(id, "alpha", "?wait=25");
    expect(done.body.status).toBe("succeeded");
    const refused = await cancel(id);
    expect(refused.status).toBe(409);
    expectError(refused.body, "task_not_cancellable", "task_id");
    expect((await get(id)).body).toMatchObject({ status: "succeeded", error: null, url: expect.any(String) });
  });

  it("answers 404 for another key's task (as for an unknown id) and leaves it running", async () => {
    const { task_id: id } = await create("[sim:never] alpha's own task");
    const foreign = await cancel(id, "beta");
    expect(foreign.status).toBe(404);
    expectError(foreign.body, "task_not_found");
    const unknown = await cancel("vgt_doesnotexist");
    expect(unknown.status).toBe(404);
    expectError(unknown.body, "task_not_found");
    expect((await get(id)).body.status).toBe("processing");
    expect((await cancel(id)).status).toBe(200); // its owner still can
  });
});

describe("GET /v1/video/generations (list)", () => {
  it("lists the calling key's tasks newest first, cursor-paginated without repeats or gaps, never another key's", async () => {
    const alpha: string[] = [];
    for (let i = 0; i < 3; i++) alpha.push((await create(`list alpha ${i}`)).task_id);
    const beta = (await create("list beta 0", "beta")).task_id as string;
    for (let i = 3; i < 5; i++) alpha.push((await create(`list alpha ${i}`)).task_id);
    const newestFirst = [...alpha].reverse();

    // One page with everything: the five newest are ours, newest first; beta's task is absent.
    const all = await list("?limit=100");
    expect(all.status).toBe(200);
    expect(all.body.object).toBe("list");
    const allIds: string[] = all.body.data.map((t: Json) => t.task_id);
    expect(allIds.slice(0, 5)).toEqual(newestFirst);
    expect(allIds).not.toContain(beta);
    expect(new Set(allIds).size).toBe(allIds.length);
    expect(all.body.has_more).toBe(false);
    expect(all.body.last_id).toBe(allIds.at(-1));
    // Entries are the task objects GET returns.
    expect(all.body.data[0]).toEqual((await get(newestFirst[0]!)).body);
    const createdAt: number[] = all.body.data.map((t: Json) => t.created_at);
    expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));

    // Walking pages of 2 gives exactly the same sequence: no repeats, no gaps, has_more true until the last page.
    for (const size of [1, 2, 3]) {
      const { ids, pages } = await walk("alpha", size);
      expect(ids).toEqual(allIds);
      pages.forEach((page, i) => {
        expect(page.data.length).toBe(i < pages.length - 1 ? size : allIds.length - size * (pages.length - 1));
        expect(page.has_more).toBe(i < pages.length - 1);
        expect(page.last_id).toBe(page.data.at(-1)?.task_id ?? null);
      });
    }
    const firstTwo = await list("?limit=2");
    expect(firstTwo.body.data.map((t: Json) => t.task_id)).toEqual(newestFirst.slice(0, 2));
    expect(firstTwo.body).toMatchObject({ has_more: true, last_id: newestFirst[1] });
    const next = await list(`?limit=2&after=${newestFirst[1]}`);
    expect(next.body.data.map((t: Json) => t.task_id)).toEqual(newestFirst.slice(2, 4));
    const exact = await list(`?limit=${allIds.length}`);
    expect(exact.body.has_more).toBe(false);
    if (allIds.length > 1) expect((await list(`?limit=${allIds.length - 1}`)).body.has_more).toBe(true);

    // Beta sees its own task and none of alpha's, and a cursor naming another key's task leaks nothing.
    const betaIds = (await walk("beta", 100)).ids;
    expect(betaIds).toContain(beta);
    for (const id of alpha) expect(betaIds).not.toContain(id);
    // A cursor that is not one of the caller's tasks is refused exactly like an unknown one.
    const foreignCursor = await list(`?limit=100&after=${beta}`);
    const unknownCursor = await list(`?limit=100&after=vgt_unknown`);
    expect(foreignCursor.status).toBe(400);
    expectError(foreignCursor.body, "invalid_value", "after");
    expect(foreignCursor.body).toEqual(unknownCursor.body);
    const alphaCursorForBeta = await list(`?limit=100&after=${alpha[0]}`, "beta");
    expect(alphaCursorForBeta.status).toBe(400);
  });

  it.each(["0", "101", "-1", "1.5", "abc", "", "1e1", "%205"])("refuses limit=%j with 400 param limit", async (limit) => {
    const { status, body } = await list(`?limit=${limit}`);
    expect(status).toBe(400);
    expectError(body, "invalid_value", "limit");
  });
});

describe("GET /v1/video/generations/{id}?wait=N", () => {
  it("answers within 1 s of the task becoming final", async () => {
    const { task_id: id } = await create("a waiting room");
    const started = Date.now();
    // A tight parallel poll (no wait) marks when the task became visibly final: lastProcessingAt < final <= finalSeenAt.
    let lastProcessingAt = started;
    let finalSeenAt: number | null = null;
    const poller = (async () => {
      while (finalSeenAt === null && Date.now() - started < 15_000) {
        const asked = Date.now();
        const { body } = await get(id);
        if (body.status !== "processing") finalSeenAt = Date.now();
        else {
          lastProcessingAt = asked;
          await sleep(20);
        }
      }
    })();
    const waited = await get(id, "alpha", "?wait=10");
    const returnedAt = Date.now();
    await poller;

    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe("succeeded");
    expect(finalSeenAt).not.toBeNull();
    // Held, not answered at once: the task needed ~1.5 s or more, and the wait ended only after the task was final …
    expect(returnedAt - started).toBeGreaterThan(1_000);
    expect(returnedAt).toBeGreaterThan(lastProcessingAt);
    // … and less than 1 s after the poll first saw it final (negative when the wait answered first).
    expect(returnedAt - finalSeenAt!).toBeLessThan(1_000);
    // completed_at has whole seconds: the answer came within the task's final second or the next.
    expect(returnedAt / 1000 - waited.body.completed_at).toBeLessThan(2);
    expect(waited.body).toEqual((await get(id)).body);
  });

  it("wakes a waiting GET when the task is cancelled", async () => {
    const { task_id: id } = await create("[sim:never] cancelled while someone waits");
    const waiting = get(id, "alpha", "?wait=30");
    await sleep(300);
    const cancelledAt = Date.now();
    expect((await cancel(id)).status).toBe(200);
    const waited = await waiting;
    expect(Date.now() - cancelledAt).toBeLessThan(1_000);
    expect(waited.body).toMatchObject({ status: "failed", error: { code: "cancelled" } });
  });

  it("answers processing after about N seconds when the task does not finish", async () => {
    const { task_id: id } = await create("[sim:never] a long exposure");
    const started = Date.now();
    const waited = await get(id, "alpha", "?wait=1");
    const elapsed = Date.now() - started;
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe("processing");
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
    expect((await cancel(id)).status).toBe(200);
  });

  it("answers a final task at once, and another key's task with 404 at once", async () => {
    const { task_id: id } = await create("[sim:never] to be cancelled");
    await cancel(id);
    let started = Date.now();
    expect((await get(id, "alpha", "?wait=30")).body.status).toBe("failed");
    expect(Date.now() - started).toBeLessThan(500);
    started = Date.now();
    expect((await get(id, "beta", "?wait=30")).status).toBe(404);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("refuses wait beyond 60 s or not a number of seconds with 400 param wait", async () => {
    const { task_id: id } = await create("[sim:never] bad waits");
    for (const wait of ["61", "60.5", "-1", "abc", "", "0x3", "%20"]) {
      const started = Date.now();
      const { status, body } = await get(id, "alpha", `?wait=${wait}`);
      expect(status, `wait=${wait}`).toBe(400);
      expectError(body, "invalid_value", "wait");
      expect(Date.now() - started).toBeLessThan(500);
    }
    expect((await cancel(id)).status).toBe(200);
  });
});
