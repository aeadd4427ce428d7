// The simulator's Ark (reference/ark-seedance.md): Bearer auth, Ark's error envelope, per-model validation,
// task ids, statuses, the DELETE rules and unsigned callbacks of the query body.
import { describe, expect, it } from "vitest";
import { CREDS, control, receiver, useSimulator, waitFor } from "./helpers.ts";

const sim = useSimulator(450, (s) => control(s, "PUT", "/config", { callbackRetryDelayMs: 50 }));
const TASKS = "/api/v3/contents/generations/tasks";

async function ark(method: string, path: string, body?: unknown, key: string | null = CREDS.ARK_API_KEY) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(sim.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const t2v = (over: Record<string, unknown> = {}) => ({ model: "doubao-seedance-2-0-260128", content: [{ type: "text", text: "a fox" }], ...over });

describe("Ark auth and errors (§1, §10)", () => {
  it("refuses a missing or wrong key with 401 AuthenticationError in Ark's envelope", async () => {
    for (const key of [null, "wrong"]) {
      const r = await ark("POST", TASKS, t2v(), key);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({
        error: { code: "AuthenticationError", type: "Unauthorized", param: "", message: expect.stringMatching(/Request id: 02\d{13}/) },
      });
    }
  });

  it.each([
    ["an unknown model id (a family name without version)", t2v({ model: "doubao-seedance-2-0" }), 404, "InvalidEndpointOrModel.NotFound"],
    ["a duration outside 2.0's [4, 15]", t2v({ duration: 3 }), 400, "InvalidParameter"],
    ["1080p on 2.0 fast", t2v({ model: "doubao-seedance-2-0-fast-260128", resolution: "1080p" }), 400, "InvalidParameter"],
    ["generate_audio on 1.0 pro", t2v({ model: "doubao-seedance-1-0-pro-250528", generate_audio: true }), 400, "InvalidParameter"],
    ["adaptive ratio on 1.0 lite t2v", t2v({ model: "doubao-seedance-1-0-lite-t2v-250428", ratio: "adaptive" }), 400, "InvalidParameter"],
    [
      "a first+last frame on 1.0 pro fast",
      t2v({
        model: "doubao-seedance-1-0-pro-fast-251015",
        content: [
          { type: "text", text: "a" },
          { type: "image_url", image_url: { url: "https://e.com/a.png" }, role: "first_frame" },
          { type: "image_url", image_url: { url: "https://e.com/b.png" }, role: "last_frame" },
        ],
      }),
      400,
      "InvalidParameter",
    ],
    ["an unsupported field", t2v({ output_format: "mp4" }), 400, "InvalidParameter"],
    [
      "an uppercase data URI format",
      t2v({ content: [{ type: "image_url", image_url: { url: "data:image/PNG;base64,iVBORw0KGgo=" }, role: "first_frame" }] }),
      400,
      "InvalidParameter",
    ],
  ])("refuses %s", async (_name, body, status, code) => {
    const r = await ark("POST", TASKS, body);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
  });
});

describe("Ark tasks (§2, §5, §6, §8, §9)", () => {
  it("creates a cgt- task, reports queued → running → succeeded, and posts each status to callback_url", async () => {
    const hook = await receiver();
    try {
      const created = await ark("POST", TASKS, t2v({ callback_url: hook.url, seed: 7, resolution: "480p", ratio: "9:16", duration: 6 }));
      expect(created.status).toBe(200);
      expect(created.body.id).toMatch(/^cgt-\d{14}-[a-z0-9]{5}$/);
      const id = created.body.id as string;
      const done = await waitFor(async () => {
        const r = await ark("GET", `${TASKS}/${id}`);
        return r.body.status === "succeeded" ? r.body : undefined;
      });
      expect(done).toMatchObject({
        id,
        model: "doubao-seedance-2-0-260128",
        seed: 7,
        resolution: "480p",
        ratio: "9:16",
        duration: 6,
        framespersecond: 24,
        generate_audio: true,
      });
      expect(done.content.video_url).toMatch(/\/files\/ark\/.+\.mp4$/);
      expect(typeof done.created_at).toBe("number");
      expect(done.created_at).toBeLessThan(1e11); // seconds, not milliseconds
      await waitFor(async () => (hook.received.some((r) => r.body.status === "succeeded") ? true : undefined));
      const statuses = hook.received.map((r) => r.body.status);
      expect(statuses).toEqual(expect.arrayContaining(["running", "succeeded"]));
      expect(hook.received[0]!.headers["x-hmac-signature"]).toBeUndefined(); // unsigned
      expect(hook.received.find((r) => r.body.status === "succeeded")!.body.content.video_url).toBe(done.content.video_url.replace(/\?.*$/, ""));
    } finally {
      await hook.close();
    }
  });

  it("cancels a queued task once, and deletes a finished one", async () => {
    await control(sim, "PUT", "/config", { delayMs: 60_000 });
    const queued = (await ark("POST", TASKS, t2v())).body.id as string;
    expect(await ark("DELETE", `${TASKS}/${queued}`)).toEqual({ status: 200, body: {} });
    expect((await ark("GET", `${TASKS}/${queued}`)).body.status).toBe("cancelled");
    expect((await ark("DELETE", `${TASKS}/${queued}`)).status).toBe(400);

    await control(sim, "PUT", "/config", { delayMs: 300 });
    const finished = (await ark("POST", TASKS, t2v())).body.id as string;
    await waitFor(async () => ((await ark("GET", `${TASKS}/${finished}`)).body.status === "succeeded" ? true : undefined));
    expect((await ark("DELETE", `${TASKS}/${finished}`)).status).toBe(200);
    expect((await ark("GET", `${TASKS}/${finished}`)).status).toBe(404);
  });
});
