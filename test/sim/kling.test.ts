import { describe, expect, it } from "vitest";
import { CREDS, control, download, kling, klingToken, png, receiver, SAMPLE, useSimulator, waitFor } from "./helpers.ts";

const sim = useSimulator(450);

const T2V = "/v1/videos/text2video";
const MC = "/v1/videos/motion-control";
const now = () => Math.floor(Date.now() / 1000);

describe("Kling auth (§1.2)", () => {
  const cases: [string, () => Promise<string | null>, number][] = [
    ["no Authorization header", async () => null, 1001],
    ["a token that is not a JWT", async () => "not-a-jwt", 1002],
    ["the wrong secret", () => klingToken({ secret: "wrong" }), 1002],
    ["an unknown access key (iss)", () => klingToken({ iss: "someone-else" }), 1002],
    ["nbf in the future", () => klingToken({ nbf: now() + 600 }), 1003],
    ["an expired token", () => klingToken({ exp: now() - 10, nbf: now() - 100 }), 1004],
  ];
  for (const [name, token, code] of cases) {
    it(`refuses ${name} with 401 code ${code}`, async () => {
      const r = await kling(sim, "POST", T2V, { prompt: "a cat" }, await token());
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code, request_id: expect.any(String) });
      expect(r.body.message).toEqual(expect.any(String));
    });
  }

  it("requires the Bearer scheme", async () => {
    const res = await fetch(sim.url + T2V, { method: "POST", headers: { Authorization: await klingToken() }, body: "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: number }).code).toBe(1002);
  });

  it("accepts a token with the documented claims", async () => {
    const r = await kling(sim, "POST", T2V, { prompt: "a cat" });
    expect(r.status).toBe(200);
  });
});

describe("Kling field validation (§1.4)", () => {
  const image = png(640, 360).toString("base64");
  const rejected: [string, string, Record<string, unknown>, RegExp][] = [
    ["duration as a number", T2V, { prompt: "a", duration: 5 }, /duration must be a string/],
    ["duration the model does not take", T2V, { prompt: "a", model_name: "kling-v1", duration: "7" }, /duration/],
    ["a model of another family", T2V, { prompt: "a", model_name: "kling-v1-5" }, /model_name/],
    ["mode standard", T2V, { prompt: "a", mode: "standard" }, /mode/],
    ["aspect_ratio 4:3", T2V, { prompt: "a", aspect_ratio: "4:3" }, /aspect_ratio/],
    ["missing prompt on text2video", T2V, {}, /prompt/],
    ["a prompt over 2500 characters", T2V, { prompt: "x".repeat(2501) }, /prompt/],
    ["cfg_scale above 1", T2V, { prompt: "a", cfg_scale: 1.5 }, /cfg_scale/],
    ["a relative callback_url", T2V, { prompt: "a", callback_url: "/hook" }, /callback_url/],
    ["camera_control with two axes", T2V, { prompt: "a", camera_control: { type: "simple", config: { pan: 1, zoom: 2 } } }, /camera_control/],
    ["sound on for an old model", T2V, { prompt: "a", sound: "on" }, /sound/],
    ["image2video without an image", "/v1/videos/image2video", { prompt: "a" }, /image/],
    ["a data: URI image", "/v1/videos/image2video", { image: `data:image/png;base64,${image}` }, /File is not in a valid base64 format/],
    ["junk base64", "/v1/videos/image2video", { image: "@@@not-base64@@@" }, /File is not in a valid base64 format/],
    ["an image below 300 px", "/v1/videos/image2video", { image: png(200, 200).toString("base64") }, /300px/],
    ["image_tail with camera_control", "/v1/videos/image2video", { image: image, image_tail: image, camera_control: { type: "down_back" } }, /image_tail/],
    ["multi-image2video without prompt", "/v1/videos/multi-image2video", { image_list: [{ image }] }, /prompt/],
    ["five images on multi-image2video", "/v1/videos/multi-image2video", { prompt: "a", image_list: Array(5).fill({ image }) }, /image_list/],
    ["a v2 model on multi-image2video", "/v1/videos/multi-image2video", { prompt: "a", model_name: "kling-v2-6", image_list: [{ image }] }, /model_name/],
    // Motion control: kling-v2-6 / kling-v3 only; image_url, video_url, character_orientation and mode required.
    [
      "kling-v1 on motion-control",
      MC,
      { model_name: "kling-v1", image_url: image, video_url: "https://x/v.mp4", character_orientation: "image", mode: "std" },
      /model_name/,
    ],
    ["motion control without mode", MC, { image_url: image, video_url: "https://x/v.mp4", character_orientation: "image" }, /mode/],
    ["motion control without orientation", MC, { image_url: image, video_url: "https://x/v.mp4", mode: "pro" }, /character_orientation/],
    ["motion control without a video", MC, { image_url: image, character_orientation: "video", mode: "pro" }, /video_url/],
    [
      "keep_original_sound as a boolean",
      MC,
      { image_url: image, video_url: "https://x/v.mp4", character_orientation: "video", mode: "pro", keep_original_sound: true },
      /keep_original_sound/,
    ],
    // Motion brush: kling-v1 (std/pro, 5 s) and kling-v1-5 (pro, 5 s) only.
    ["a static_mask on kling-v2-6", "/v1/videos/image2video", { model_name: "kling-v2-6", image, static_mask: image }, /static_mask/],
    ["a static_mask on kling-v1-5 std", "/v1/videos/image2video", { model_name: "kling-v1-5", image, static_mask: image }, /static_mask/],
    ["a static_mask at 10 s", "/v1/videos/image2video", { model_name: "kling-v1", image, static_mask: image, duration: "10" }, /static_mask/],
    // Omni sound: kling-v3-omni only, and off with a reference video.
    ["sound on kling-video-o1", "/v1/videos/omni-video", { prompt: "a", aspect_ratio: "16:9", sound: "on" }, /sound/],
    [
      "sound on with a video_list",
      "/v1/videos/omni-video",
      { model_name: "kling-v3-omni", prompt: "a", aspect_ratio: "16:9", sound: "on", video_list: [{ video_url: "https://x/v.mp4", refer_type: "feature" }] },
      /sound/,
    ],
  ];
  for (const [name, path, body, message] of rejected) {
    it(`rejects ${name} with 400 code 1201`, async () => {
      const r = await kling(sim, "POST", path, body);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(1201);
      expect(r.body.message).toMatch(message);
      expect(r.body.request_id).toEqual(expect.any(String));
    });
  }

  it("rejects a body that is not JSON with 1200", async () => {
    const res = await fetch(sim.url + T2V, { method: "POST", headers: { Authorization: `Bearer ${await klingToken()}` }, body: "{oops" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(1200);
  });

  it("accepts what the docs allow and ignores unknown fields", async () => {
    const ok: [string, Record<string, unknown>][] = [
      [T2V, { prompt: "a", model_name: "kling-v3", duration: "7", mode: "pro", aspect_ratio: "9:16", seed: 42, sound: "on" }],
      [T2V, { prompt: "a", model: "kling-v1", duration: "10", cfg_scale: 0.3, camera_control: { type: "simple", config: { zoom: 5 } } }],
      ["/v1/videos/image2video", { image: "https://example.com/a.png", image_tail: png(400, 400).toString("base64") }],
      ["/v1/videos/image2video", { image, model_name: "kling-v2-1", aspect_ratio: "whatever-ignored" }],
      ["/v1/videos/multi-image2video", { prompt: "a", image_list: [{ image }, { image: "https://example.com/b.jpg" }] }],
    ];
    for (const [path, body] of ok) {
      const r = await kling(sim, "POST", path, body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it("refuses a duplicate external_task_id, naming it", async () => {
    expect((await kling(sim, "POST", T2V, { prompt: "a", external_task_id: "ext-dup" })).status).toBe(200);
    const again = await kling(sim, "POST", "/v1/videos/image2video", { image, external_task_id: "ext-dup" });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe(1201);
    expect(again.body.message).toContain("ext-dup");
  });
});

describe("Kling task lifecycle", () => {
  it("creates, progresses, succeeds, calls back and serves the sample MP4", async () => {
    const hook = await receiver();
    try {
      const created = await kling(sim, "POST", T2V, {
        prompt: "a cat on a skateboard",
        duration: "5",
        external_task_id: "ext-1",
        callback_url: `${hook.url}/kling/cb?token=abc`,
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        code: 0,
        message: "SUCCEED",
        request_id: expect.any(String),
        data: { task_id: expect.any(String), task_info: { external_task_id: "ext-1" }, task_status: "submitted" },
      });
      const { task_id: id, created_at } = created.body.data;
      expect(created_at).toBeGreaterThan(1e12); // epoch milliseconds

      const first = await kling(sim, "GET", `${T2V}/${id}`);
      expect(first.body.data).toMatchObject({ task_id: id, task_status: "submitted" });
      expect(first.body.data.task_result).toBeUndefined();

      await waitFor(async () => (await kling(sim, "GET", `${T2V}/${id}`)).body.data.task_status === "processing", 2000, "processing");
      const done = await waitFor(async () => {
        const r = await kling(sim, "GET", `${T2V}/ext-1`); // either id works in the path
        return r.body.data.task_status === "succeed" ? r.body.data : undefined;
      });
      expect(done).toMatchObject({
        task_id: id,
        task_info: { external_task_id: "ext-1" },
        task_result: { videos: [{ id: expect.any(String), url: expect.stringContaining(`/files/kling/${id}.mp4`), duration: "5.042" }] },
        final_unit_deduction: expect.any(String),
      });

      const file = await download(done.task_result.videos[0].url);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-type")).toBe("video/mp4");
      expect(file.headers.get("content-length")).toBe(String(SAMPLE.length));
      expect(file.bytes.equals(SAMPLE)).toBe(true);

      await waitFor(async () => hook.received.length >= 2, 3000, "two callbacks");
      expect(hook.received.map((r) => r.body.task_status)).toEqual(["processing", "succeed"]);
      const last = hook.received[1]!;
      expect(last.path).toBe("/kling/cb?token=abc");
      expect(last.body).toMatchObject({ task_id: id, task_status: "succeed", task_result: { videos: [{ duration: "5.042" }] } });
      expect(last.body.code).toBeUndefined(); // top level task object, no envelope

      const tasks = await control(sim, "GET", "/tasks");
      const t = tasks.body.tasks.find((x: { id: string }) => x.id === id);
      expect(t).toMatchObject({ vendor: "kling", externalId: "ext-1", family: "text2video", state: "succeed", doneAt: expect.any(Number) });
      expect(t.callbacks.map((c: { state: string; status: number }) => [c.state, c.status])).toEqual([
        ["processing", 200],
        ["succeed", 200],
      ]);
    } finally {
      await hook.close();
    }
  });

  it("hides a task from other families (404) and lists it under its own", async () => {
    const created = await kling(sim, "POST", T2V, { prompt: "a" });
    const id = created.body.data.task_id;
    const wrong = await kling(sim, "GET", `/v1/videos/image2video/${id}`);
    expect(wrong.status).toBe(404);
    expect(wrong.body.code).toEqual(expect.any(Number));
    const listed = await kling(sim, "GET", `${T2V}?pageNum=1&pageSize=10`);
    expect(listed.body.code).toBe(0);
    expect(listed.body.data.map((t: { task_id: string }) => t.task_id)).toEqual([id]);
    expect((await kling(sim, "GET", "/v1/videos/image2video")).body.data).toEqual([]);
    expect((await kling(sim, "GET", `${T2V}?pageSize=501`)).status).toBe(400);
  });

  it("multi-image2video's create answer has no task_info", async () => {
    const r = await kling(sim, "POST", "/v1/videos/multi-image2video", { prompt: "a", image_list: [{ image: "https://example.com/x.png" }] });
    expect(r.status).toBe(200);
    expect(r.body.data.task_info).toBeUndefined();
  });

  it("uses the configured access key as iss", async () => {
    const r = await kling(sim, "POST", T2V, { prompt: "a" }, await klingToken({ iss: CREDS.KLING_ACCESS_KEY }));
    expect(r.status).toBe(200);
  });
});

describe("Kling prompt triggers", () => {
  it("[sim:refuse] is refused at create with 1301", async () => {
    const r = await kling(sim, "POST", T2V, { prompt: "nope [sim:refuse]" });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(1301);
  });

  it("[sim:busy] answers 429/1303 once, then accepts", async () => {
    const first = await kling(sim, "POST", T2V, { prompt: "later [sim:busy]" });
    expect(first.status).toBe(429);
    expect(first.body.code).toBe(1303);
    const second = await kling(sim, "POST", T2V, { prompt: "later [sim:busy]" });
    expect(second.status).toBe(200);
  });

  it("[sim:fail] ends failed with a task_status_msg", async () => {
    const id = (await kling(sim, "POST", T2V, { prompt: "bad [sim:fail]" })).body.data.task_id;
    const data = await waitFor(async () => {
      const d = (await kling(sim, "GET", `${T2V}/${id}`)).body.data;
      return d.task_status === "failed" ? d : undefined;
    });
    expect(data.task_status_msg).toMatch(/risk control/);
    expect(data.task_result).toBeUndefined();
  });

  it("[sim:never] stays processing until completed through the control API", async () => {
    const id = (await kling(sim, "POST", T2V, { prompt: "slow [sim:never]" })).body.data.task_id;
    await new Promise((r) => setTimeout(r, 500));
    expect((await kling(sim, "GET", `${T2V}/${id}`)).body.data.task_status).toBe("processing");
    const done = await control(sim, "POST", `/tasks/${id}/complete`, { outcome: "failed", reason: "operator says no" });
    expect(done.body).toMatchObject({ state: "failed", failure: { message: "operator says no" } });
    expect((await kling(sim, "GET", `${T2V}/${id}`)).body.data).toMatchObject({ task_status: "failed", task_status_msg: "operator says no" });
  });
});
