// The simulator's accounts: each vendor account sees only its own tasks and refuses, in its vendor's documented words,
// according to the state the control API gives it.
import { describe, expect, it } from "vitest";
import { SIM_ACCOUNTS } from "../../simulator/credentials.ts";
import { control, kling, klingToken, useSimulator, vidu } from "./helpers.ts";

const sim = useSimulator(300);
const [A, B] = SIM_ACCOUNTS.KLING_ACCOUNTS;
const tokenOf = (account: typeof A) => klingToken({ iss: account!.access_key, secret: account!.secret_key });
const T2V = "/v1/videos/text2video";

describe("simulator accounts", () => {
  it("keeps each account's tasks to itself", async () => {
    const created = await kling(sim, "POST", T2V, { prompt: "mine" }, await tokenOf(B));
    expect(created.status).toBe(200);
    const id = created.body.data.task_id as string;
    expect((await kling(sim, "GET", `${T2V}/${id}`, undefined, await tokenOf(B))).status).toBe(200);
    expect((await kling(sim, "GET", `${T2V}/${id}`, undefined, await tokenOf(A))).body.code).toBe(1203);
    const { tasks } = (await control(sim, "GET", "/tasks?vendor=kling")).body;
    expect(tasks[0]).toMatchObject({ account: "b" });
    expect((await control(sim, "GET", "/stats")).body.kling.byAccount).toEqual({ b: { calls: 1, accepted: 1 } });
  });

  it.each([
    ["no_credit", 429, 1102],
    ["busy", 429, 1303],
    ["suspended", 429, 1100],
    ["revoked", 401, 1000],
  ])("answers a Kling account in state %s with HTTP %i code %i, and only that account", async (state, status, code) => {
    expect((await control(sim, "PUT", "/accounts/kling/a", { state })).status).toBe(200);
    const refused = await kling(sim, "POST", T2V, { prompt: "x" }, await tokenOf(A));
    expect([refused.status, refused.body.code]).toEqual([status, code]);
    expect((await kling(sim, "POST", T2V, { prompt: "x" }, await tokenOf(B))).status).toBe(200);
  });

  it("answers Vidu's credit and key refusals, and is reset to ok", async () => {
    const key = SIM_ACCOUNTS.VIDU_ACCOUNTS[0]!.api_key;
    const body = { model: "viduq1", prompt: "x" };
    await control(sim, "PUT", "/accounts/vidu/a", { state: "no_credit" });
    expect((await vidu(sim, "POST", "/ent/v2/text2video", body, `Token ${key}`)).body.reason).toBe("CreditInsufficient");
    await control(sim, "PUT", "/accounts/vidu/a", { state: "revoked" });
    expect((await vidu(sim, "POST", "/ent/v2/text2video", body, `Token ${key}`)).body.reason).toBe("Unauthorized");
    await control(sim, "POST", "/reset");
    expect((await vidu(sim, "POST", "/ent/v2/text2video", body, `Token ${key}`)).status).toBe(200);
    expect((await control(sim, "PUT", "/accounts/vidu/zz", { state: "busy" })).status).toBe(404);
    expect((await control(sim, "PUT", "/accounts/vidu/a", { state: "asleep" })).status).toBe(400);
  });
});
