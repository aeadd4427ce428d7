// Seeded random chaos (PUT /__sim/chaos), counting creates per prompt, Vidu's task list and per-task files.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../simulator/chaos.ts";
import { control, download, jimeng, kling, receiver, SAMPLE, useSimulator, vidu, waitFor } from "./helpers.ts";

const sim = useSimulator(200, (s) => control(s, "PUT", "/config", { callbackRetryDelayMs: 20 }));

const T2V = "/v1/videos/text2video";
const klingCreate = (prompt: string, extra: Record<string, unknown> = {}) => kling(sim, "POST", T2V, { prompt, ...extra });
const viduCreate = (prompt: string, extra: Record<string, unknown> = {}) => vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt, ...extra });
const jimengCreate = (prompt: string) => jimeng(sim, "CVSync2AsyncSubmitTask", { req_key: "jimeng_t2v_v30", prompt });
const chaos = (config: Record<string, unknown>) => control(sim, "PUT", "/chaos", config);
const stats = async () => (await control(sim, "GET", "/stats")).body;
const simTasks = async (): Promise<any[]> => (await control(sim, "GET", "/tasks")).body.tasks;

describe("chaos control API", () => {
  it("is off by default, validated, replaced by PUT, and cleared by DELETE and reset", async () => {
    expect((await control(sim, "GET", "/chaos")).body).toEqual({ chaos: null });
    for (const bad of [
      {},
      { seed: -1 },
      { seed: 1.5 },
      { seed: 2 ** 32 },
      { seed: 1, busy: 1.2 },
      { seed: 1, pollError: "0.1" },
      { seed: 1, busy: 0.6, error5xx: 0.3, dropAccepted: 0.2 },
      { seed: 1, bogus: 0.1 },
      [1],
    ]) {
      const r = await chaos(bad as Record<string, unknown>);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error).toEqual(expect.any(String));
    }
    const put = await chaos({ seed: 42, busy: 0.1, dropCallback: 0.2 });
    const full = { seed: 42, busy: 0.1, error5xx: 0, dropAccepted: 0, pollError: 0, dropCallback: 0.2 };
    expect([put.status, put.body]).toEqual([200, { chaos: full }]);
    expect((await control(sim, "GET", "/chaos")).body).toEqual({ chaos: full });
    expect((await control(sim, "DELETE", "/chaos")).body).toEqual({ chaos: null });
    await chaos({ seed: 1, busy: 1 });
    await control(sim, "POST", "/reset");
    expect((await control(sim, "GET", "/chaos")).body).toEqual({ chaos: null });
    expect((await klingCreate("after reset")).status).toBe(200);
  });

  it("the same seed gives the same decisions; another seed others", async () => {
    const run = async (seed: number) => {
      await control(sim, "POST", "/reset");
      await chaos({ seed, busy: 0.3, error5xx: 0.2 });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await klingCreate(`run ${i}`)).status);
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 429, 500]));
  });

  it("mulberry32 draws uniform floats in [0, 1), so the rates come out as configured", () => {
    const next = mulberry32(42);
    const draws = Array.from({ length: 20_000 }, next);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    expect(draws.filter((d) => d < 0.1).length / draws.length).toBeCloseTo(0.1, 1);
    expect(mulberry32(42)()).toBe(draws[0]);
  });
});

describe("chaos on creates: each vendor's own documented answers", () => {
  it("busy: 429 with the vendor's busy / rate-limit body, nothing created or billed", async () => {
    await chaos({ seed: 3, busy: 1 });
    const codes = { kling: new Set<number>(), vidu: new Set<string>(), jimeng: new Set<number>() };
    for (let i = 0; i < 12; i++) {
      const k = await klingCreate(`busy ${i}`);
      expect(k.status).toBe(429);
      expect(k.body).toMatchObject({ message: expect.any(String), request_id: expect.any(String) });
      codes.kling.add(k.body.code);
      const v = await viduCreate(`busy ${i}`);
      expect(v.status).toBe(429);
      expect(v.body).toMatchObject({ code: 429, message: expect.any(String), metadata: { trace_id: expect.any(String) } });
      codes.vidu.add(v.body.reason);
      const j = await jimengCreate(`busy ${i}`);
      expect(j.status).toBe(429);
      expect(j.body).toMatchObject({ data: null, status: j.body.code, request_id: expect.any(String) });
      codes.jimeng.add(j.body.code);
    }
    expect(codes).toEqual({ kling: new Set([1302, 1303]), vidu: new Set(["QuotaExceeded", "TooManyRequests"]), jimeng: new Set([50429, 50430]) });
    expect(await simTasks()).toEqual([]);
    const s = await stats();
    for (const v of ["kling", "vidu", "jimeng"]) expect(s[v]).toMatchObject({ create: 12, accepted: 0, chaos: { busy: 12 } });
  });

  it("error5xx: 500 with Kling code 5000, Vidu InternalServiceFailure, Jimeng 50500", async () => {
    await chaos({ seed: 3, error5xx: 1 });
    const k = await klingCreate("e");
    expect([k.status, k.body.code]).toEqual([500, 5000]);
    const v = await viduCreate("e");
    expect([v.status, v.body.code, v.body.reason]).toEqual([500, 500, "InternalServiceFailure"]);
    const j = await jimengCreate("e");
    expect([j.status, j.body.code, j.body.message]).toEqual([500, 50500, "Internal Error"]);
    expect(await simTasks()).toEqual([]);
  });

  it("dropAccepted: the connection is reset, yet the task exists, bills and finishes", async () => {
    await chaos({ seed: 3, dropAccepted: 1 });
    for (const create of [() => klingCreate("dropped k", { external_task_id: "ext-1" }), () => viduCreate("dropped v"), () => jimengCreate("dropped j")]) {
      await expect(create()).rejects.toThrow(); // fetch failed: socket hang up
    }
    const tasks = await simTasks();
    expect(tasks.map((t) => [t.vendor, t.prompt]).sort()).toEqual([
      ["jimeng", "dropped j"],
      ["kling", "dropped k"],
      ["vidu", "dropped v"],
    ]);
    const s = await stats();
    expect(s.kling).toMatchObject({ accepted: 1, chaos: { dropAccepted: 1 }, byExternalId: { "ext-1": { calls: 1, accepted: 1 } } });
    expect(s.jimeng).toMatchObject({ accepted: 1, byPrompt: { "dropped j": { calls: 1, accepted: 1 } } });
    await control(sim, "DELETE", "/chaos");
    // A retry of the same Kling create is refused as a duplicate: the first one really happened.
    expect((await klingCreate("dropped k", { external_task_id: "ext-1" })).body.code).toBe(1201);
    const k = tasks.find((t) => t.vendor === "kling");
    await waitFor(async () => (await kling(sim, "GET", `${T2V}/${k.id}`)).body.data?.task_status === "succeed", 3000, "the dropped task to finish");
  });
});

describe("chaos on queries and callbacks", () => {
  it("pollError: queries (get and list) answer the vendor's documented 5xx", async () => {
    const k = (await klingCreate("p")).body.data.task_id;
    const v = (await viduCreate("p")).body.task_id;
    const j = (await jimengCreate("p")).body.data.task_id;
    await chaos({ seed: 5, pollError: 1 });
    const kq = await kling(sim, "GET", `${T2V}/${k}`);
    expect([kq.status, kq.body.code]).toEqual([500, 5000]);
    expect((await kling(sim, "GET", T2V)).status).toBe(500);
    const vq = await vidu(sim, "GET", `/ent/v2/tasks/${v}/creations`);
    expect([vq.status, vq.body.reason]).toEqual([500, "InternalServiceFailure"]);
    expect((await vidu(sim, "GET", "/ent/v2/tasks")).body.reason).toBe("InternalServiceFailure");
    const jq = await jimeng(sim, "CVSync2AsyncGetResult", { req_key: "jimeng_t2v_v30", task_id: j });
    expect([jq.status, jq.body.code]).toEqual([500, 50500]);
    expect((await stats()).kling.chaos.pollError).toBe(2);
    await control(sim, "DELETE", "/chaos");
    expect((await kling(sim, "GET", `${T2V}/${k}`)).status).toBe(200);
  });

  it("dropCallback: every attempt is dropped and recorded; Vidu retries its final state 3 times", async () => {
    const hook = await receiver();
    try {
      await chaos({ seed: 9, dropCallback: 1 });
      const id = (await viduCreate("cb", { callback_url: `${hook.url}/cb` })).body.task_id;
      const task = await waitFor(
        async () => {
          const t = (await control(sim, "GET", `/tasks/${id}`)).body;
          return t.callbacks.length === 5 ? t : undefined;
        },
        3000,
        "every attempt",
      );
      expect(task.callbacks.map((c: any) => [c.state, c.attempt, c.status, c.error])).toEqual([
        ["processing", 1, 0, "dropped by chaos"],
        ...[1, 2, 3, 4].map((n) => ["success", n, 0, "dropped by chaos"]),
      ]);
      expect(hook.received).toEqual([]);
      expect((await stats()).vidu.chaos.dropCallback).toBe(5);
    } finally {
      await hook.close();
    }
  });
});

describe("counting accepted creates per prompt", () => {
  it("counts calls and accepted creates per exact prompt, for every vendor", async () => {
    await klingCreate("[sim:busy] once");
    await klingCreate("[sim:busy] once");
    await viduCreate("v one");
    await vidu(sim, "POST", "/ent/v2/text2video", { model: "viduq1", prompt: "v one", duration: 99 }); // refused
    await jimengCreate("j one");
    await jimengCreate("j one");
    const s = await stats();
    expect(s.kling.byPrompt).toEqual({ "[sim:busy] once": { calls: 2, accepted: 1 } });
    expect(s.vidu.byPrompt).toEqual({ "v one": { calls: 2, accepted: 1 } });
    expect(s.jimeng.byPrompt).toEqual({ "j one": { calls: 2, accepted: 2 } });
  });
});

describe("Vidu task list GET /ent/v2/tasks", () => {
  it("lists the account's tasks newest first, in the get-task shape, with paging and filters", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await viduCreate(`list ${i}`, { payload: `pl-${i}` })).body.task_id);
      await new Promise((r) => setTimeout(r, 5)); // distinct created_at
    }
    await klingCreate("not vidu");
    const list = async (query = "") => vidu(sim, "GET", `/ent/v2/tasks${query}`);
    const all = await list();
    expect(all.status).toBe(200);
    expect(all.body.tasks.map((t: any) => t.task_id)).toEqual([...ids].reverse());
    const newest = all.body.tasks[0];
    expect(newest).toMatchObject({
      task_id: ids[4],
      id: ids[4],
      state: "created",
      err_code: "",
      payload: "pl-4",
      creations: [],
      type: "text2video",
      model: "viduq1",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/),
    });
    const page1 = await list("?pager.page=1&pager.pagesz=2");
    expect(page1.body.tasks.map((t: any) => t.payload)).toEqual(["pl-2", "pl-1"]);
    expect((await list("?pager.page=2&pager.pagesz=2")).body.tasks.map((t: any) => t.payload)).toEqual(["pl-0"]);
    expect((await list(`?task_ids=${ids[0]},${ids[3]}`)).body.tasks.map((t: any) => t.task_id)).toEqual([ids[3], ids[0]]);
    expect((await list("?created_at.from=2999-01-01T00:00:00Z")).body.tasks).toEqual([]);
    const tooBig = await list("?pager.pagesz=101");
    expect([tooBig.status, tooBig.body.reason]).toEqual([400, "PageSizeOutOfRange"]);
    expect((await list("?state=bogus")).status).toBe(400);
    expect((await vidu(sim, "GET", "/ent/v2/tasks", undefined, "Token another-account")).status).toBe(401);
    await waitFor(async () => (await list("?state=success")).body.tasks.length === 5, 3000, "all to succeed");
    const done = (await list("?state=success&pager.pagesz=1")).body.tasks[0];
    expect(done.creations[0]).toMatchObject({ url: expect.stringContaining(`/files/vidu/${ids[4]}.mp4`) });
  });
});

describe("uniqueFiles", () => {
  it("gives every task its own valid MP4: the sample plus a free box naming the task", async () => {
    await control(sim, "PUT", "/config", { uniqueFiles: true });
    const ids = [(await viduCreate("u1")).body.task_id, (await viduCreate("u2")).body.task_id];
    const urls = await Promise.all(
      ids.map((id) => waitFor(async () => (await vidu(sim, "GET", `/ent/v2/tasks/${id}/creations`)).body.creations[0]?.url as string | undefined, 3000)),
    );
    const files = await Promise.all(urls.map(async (u) => (await download(u)).bytes));
    expect(files[0]!.equals(files[1]!)).toBe(false);
    for (const [i, file] of files.entries()) {
      expect(file.subarray(0, SAMPLE.length).equals(SAMPLE)).toBe(true);
      const tail = file.subarray(SAMPLE.length);
      expect(tail.readUInt32BE(0)).toBe(tail.length);
      expect(tail.toString("latin1", 4, 8)).toBe("free");
      expect(tail.toString("utf8", 8)).toContain(ids[i]);
    }
    await control(sim, "PUT", "/config", { uniqueFiles: false });
    expect((await download(urls[0]!)).bytes.equals(SAMPLE)).toBe(true);
  });
});
