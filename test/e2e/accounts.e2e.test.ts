// Several accounts per vendor (API.md §13) through wrangler dev and the simulator: failover on refusals of the account,
// never a second paid submission, the accepting account used for every later call, and the operator's view.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ADMIN_KEY } from "../../scripts/local-stack.ts";
import { SIM_ACCOUNTS } from "../../simulator/credentials.ts";
import { viduSignedHeaders } from "../support/vidu-signer.ts";
import { type E2E, type Json, startE2E } from "./stack.ts";

let e2e: E2E;

/** Accounts a and b of the simulator, for every vendor. */
const two = <T>(list: T[]) => JSON.stringify(list.slice(0, 2));

// Polls are 60 s apart: a Vidu task done within seconds was finished by its (verified) callback and one confirming poll.
beforeAll(async () => {
  e2e = await startE2E(
    { port: 18940, simPort: 18941 },
    {
      vars: {
        POLL_INTERVALS: "60s",
        KLING_ACCOUNTS: two(SIM_ACCOUNTS.KLING_ACCOUNTS),
        VIDU_ACCOUNTS: two(SIM_ACCOUNTS.VIDU_ACCOUNTS),
        VOLC_ACCOUNTS: two(SIM_ACCOUNTS.VOLC_ACCOUNTS),
        ARK_ACCOUNTS: two(SIM_ACCOUNTS.ARK_ACCOUNTS),
      },
      simEnv: { SIM_DELAY_MS: "2000" },
    },
  );
}, 120_000);
afterAll(() => e2e?.close());

const setAccount = (vendor: string, name: string, state: string) => e2e.sim(`/__sim/accounts/${vendor}/${name}`, { method: "PUT", json: { state } });
const simTasks = async (vendor: string) => (await e2e.sim<{ tasks: Json[] }>(`/__sim/tasks?vendor=${vendor}`)).tasks;
const stats = async (vendor: string) => (await e2e.sim<Json>("/__sim/stats"))[vendor] as Json;
async function accounts(): Promise<Json[]> {
  const answer = await e2e.api("/v1/admin/accounts", { key: LOCAL_ADMIN_KEY });
  expect(answer.status).toBe(200);
  return answer.body.data as Json[];
}
const account = async (vendor: string, name: string) => (await accounts()).find((a) => a.vendor === vendor && a.name === name)!;
const post = (json: Json) => e2e.api("/v1/video/generations", { method: "POST", json });

describe("several accounts per vendor", () => {
  it("sends tasks to account b while a is out of credit, each paid exactly once, and benches a", async () => {
    await setAccount("kling", "a", "no_credit");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const created = await post({ model: "kling-v1", prompt: `credit failover ${i}` });
      expect(created.status).toBe(200);
      expect(created.body.status).toBe("processing");
      ids.push(created.body.task_id);
    }
    const byExternalId = (await stats("kling")).byExternalId as Record<string, { calls: number; accepted: number }>;
    for (const id of ids) expect(byExternalId[id]?.accepted).toBe(1);
    const tasks = await simTasks("kling");
    expect(tasks.map((t) => t.account)).toEqual(["b", "b", "b", "b"]);
    // a refused once and was benched: later tasks went straight to b.
    expect((await stats("kling")).byAccount).toEqual({ a: { calls: 1, accepted: 0 }, b: { calls: 4, accepted: 4 } });
    expect(await account("kling", "a")).toMatchObject({ health: "benched", refused: 1, accepted: 0, last_error: { code: "upstream_insufficient_credit" } });
    expect(await account("kling", "b")).toMatchObject({ health: "ok", refused: 0, accepted: 4 });
  });

  it("moves a task to account b at once while a is busy", async () => {
    await setAccount("ark", "a", "busy");
    for (let i = 0; i < 2; i++) {
      const created = await post({ model: "doubao-seedance-2-0-260128", prompt: `busy failover ${i}`, duration: 5, size: "1280x720" });
      expect(created.status).toBe(200);
    }
    expect((await simTasks("ark")).map((t) => t.account)).toEqual(["b", "b"]);
    const a = await account("ark", "a");
    // Busy is no fault of the account: it is tried after the others for a while, not benched.
    expect(a).toMatchObject({ health: "busy", accepted: 0, last_error: { code: "busy" } });
    expect(a.refused).toBeGreaterThanOrEqual(1);
    expect(await account("ark", "b")).toMatchObject({ accepted: 2 });
  });

  it("moves tasks to account b when a's key is revoked, and benches a where the operator sees it", async () => {
    await setAccount("jimeng", "a", "revoked");
    for (let i = 0; i < 3; i++) {
      const created = await post({ model: "jimeng_vgfm_t2v_l20", prompt: `revoked key ${i}` });
      expect(created.status).toBe(200);
    }
    expect((await simTasks("jimeng")).map((t) => t.account)).toEqual(["b", "b", "b"]);
    expect((await stats("jimeng")).unauthorized).toBe(1);
    expect(await account("jimeng", "a")).toMatchObject({ health: "benched", refused: 1, last_error: { code: "upstream_auth_failed" } });
    expect((await account("jimeng", "a")).benched_until).toBeGreaterThan(Date.now() / 1000);
  });

  it("fails the POST with upstream_insufficient_credit when every account is out of credit", async () => {
    await setAccount("kling", "a", "no_credit");
    await setAccount("kling", "b", "no_credit");
    const before = (await stats("kling")).accepted;
    const refused = await post({ model: "kling-v1", prompt: "nobody can pay" });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "upstream_insufficient_credit", type: "upstream_error" });
    expect(refused.body.message).toContain("Every Kling account refused the task:");
    expect(refused.body.message).toContain("a (upstream_insufficient_credit)");
    expect(refused.body.message).toContain("b (upstream_insufficient_credit)");
    expect((await stats("kling")).accepted).toBe(before);
    expect(await account("kling", "b")).toMatchObject({ health: "benched", last_error: { code: "upstream_insufficient_credit" } });
    await setAccount("kling", "a", "ok");
    await setAccount("kling", "b", "ok");
  });

  it("polls a Vidu task accepted by b with b's key, and verifies its callback with b's key only", async () => {
    await setAccount("vidu", "a", "revoked");
    const created = await post({ model: "viduq1", prompt: "an account b task" });
    expect(created.status).toBe(200);
    const id = created.body.task_id as string;
    const done = await e2e.waitForStatus(id, 30_000);
    expect(done).toMatchObject({ status: "succeeded", error: null });
    const [simTask] = (await simTasks("vidu")).filter((t) => t.callbackUrl?.includes(`/${id}?`));
    expect(simTask).toMatchObject({ account: "b", state: "success" });
    // b's signed callbacks were taken; nothing but the one refused submission ever used a's key.
    expect(simTask!.callbacks.some((c: Json) => c.state === "success" && c.status === 200)).toBe(true);
    expect((await stats("vidu")).unauthorized).toBe(1);

    // A callback signed with account a's key (a real key of this gateway, but not this task's account) is refused.
    const url = simTask!.callbackUrl as string;
    const forged = await e2e.api(url, {
      method: "POST",
      key: null,
      headers: viduSignedHeaders(url, SIM_ACCOUNTS.VIDU_ACCOUNTS[0]!.api_key),
      json: { id: simTask!.id, state: "failed", err_code: "InternalServiceFailure", creations: [] },
    });
    expect(forged.status).toBe(401);
    expect((await e2e.api(`/v1/video/generations/${id}`)).body.status).toBe("succeeded");
  });

  it("shows accounts to admin keys only, and never a secret", async () => {
    expect((await e2e.api("/v1/admin/accounts", { key: null })).status).toBe(401);
    expect((await e2e.api("/v1/admin/accounts", { key: "sk-not-a-key" })).body).toMatchObject({ code: "invalid_api_key" });
    const user = await e2e.api("/v1/admin/accounts"); // the stack's user key
    expect(user.status).toBe(403);
    expect(user.body).toMatchObject({ type: "permission_error" });
    const answer = await e2e.api("/v1/admin/accounts", { key: LOCAL_ADMIN_KEY });
    expect(answer.body.object).toBe("list");
    expect(answer.body.data.map((a: Json) => `${a.vendor}/${a.name}`).sort()).toEqual(
      ["ark/a", "ark/b", "jimeng/a", "jimeng/b", "kling/a", "kling/b", "vidu/a", "vidu/b"].sort(),
    );
    for (const a of answer.body.data) expect(Object.keys(a)).toEqual(expect.arrayContaining(["vendor", "name", "health", "last_error", "accepted", "refused"]));
    const text = JSON.stringify(answer.body);
    for (const list of Object.values(SIM_ACCOUNTS)) {
      for (const entry of list) for (const [field, value] of Object.entries(entry)) if (field !== "name") expect(text).not.toContain(value);
    }
  });
});
