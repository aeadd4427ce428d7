import { describe, expect, it } from "vitest";
import { InputError } from "../../src/lib/errors.ts";
import { forgetKlingToken, klingToken, signKlingToken } from "../../src/providers/kling/auth.ts";
import { klingError } from "../../src/providers/kling/errors.ts";
import { interpretKlingPoll, interpretKlingSubmit, planKling } from "../../src/providers/kling/mapping.ts";
import { KLING_MODELS } from "../../src/providers/kling/models.ts";
import type { GenerationInput } from "../../src/providers/types.ts";

const ctx = { taskId: "vgt_test", callbackUrl: "https://gw.example/v1/callbacks/kling/vgt_test?token=t", createdMs: 0 };
const model = (id: string) => KLING_MODELS.find((m) => m.spec.id === id)!;
const input = (over: Partial<GenerationInput>): GenerationInput => ({ model: "kling-v1", prompt: "a cat", metadata: {}, ...over });

describe("Kling JWT", () => {
  it("reproduces the documented test vector byte for byte", async () => {
    const token = await signKlingToken("AK_TEST_0123456789", "SK_TEST_abcdefghijklmnopqrstuvwxyz", 1735689600);
    expect(token).toBe(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJBS19URVNUXzAxMjM0NTY3ODkiLCJleHAiOjE3MzU2OTE0MDAsIm5iZiI6MTczNTY4OTU5NX0.FoCS-580ZZXM9YtfqPZPk366Zug5CW9aTI4IrLXLAS4",
    );
  });
});

describe("Kling request mapping", () => {
  it("maps the 88API Kling example to image2video with Kling's field types", () => {
    const plan = planKling(
      input({
        prompt: "一个穿着宇航服的宇航员在月球上行走, 高品质, 电影级",
        size: { width: 1920, height: 1080 },
        image: { kind: "url", url: "https://h2.inkwai.com/a.jpg" },
        duration: 5,
        metadata: { seed: 20231234, negative_prompt: "模糊", image_tail: "https://h1.inkwai.com/b.png" },
      }),
      model("kling-v1"),
      ctx,
    );
    expect(plan.call).toEqual({
      method: "POST",
      path: "/v1/videos/image2video",
      body: {
        model_name: "kling-v1",
        prompt: "一个穿着宇航服的宇航员在月球上行走, 高品质, 电影级",
        duration: "5",
        image: "https://h2.inkwai.com/a.jpg",
        // kling-v1 renders 720p in both modes (capability map), so a 1080p size picks the cheaper std.
        mode: "std",
        image_tail: "https://h1.inkwai.com/b.png",
        seed: 20231234,
        negative_prompt: "模糊",
        callback_url: ctx.callbackUrl,
        external_task_id: "vgt_test",
      },
    });
    expect(plan.ref).toEqual({ family: "image2video" });
  });

  it("maps size to aspect_ratio on text2video only, and strips data-URI prefixes", () => {
    const t2v = planKling(input({ size: { width: 720, height: 1280 } }), model("kling-v1"), ctx);
    expect(t2v.call.path).toBe("/v1/videos/text2video");
    expect(t2v.call.body).toMatchObject({ aspect_ratio: "9:16", mode: "std" });
    const i2v = planKling(
      input({ image: { kind: "base64", data: "iVBORw0KGgo=", mime: "image/png" }, metadata: { image_tail: "data:image/png;base64,AAAA" } }),
      model("kling-v1"),
      ctx,
    );
    expect(i2v.call.body).toMatchObject({ image: "iVBORw0KGgo=", image_tail: "AAAA" });
    expect(i2v.call.body).not.toHaveProperty("aspect_ratio");
  });

  it("selects multi-image2video for metadata.image_list on kling-v1-6 only", () => {
    const list = [{ image: "https://x/1.png" }, { image: "data:image/png;base64,BBBB" }];
    const plan = planKling(input({ model: "kling-v1-6", metadata: { image_list: list } }), model("kling-v1-6"), ctx);
    expect(plan.call.path).toBe("/v1/videos/multi-image2video");
    expect(plan.call.body).toMatchObject({ image_list: [{ image: "https://x/1.png" }, { image: "BBBB" }] });
    expect(() => planKling(input({ metadata: { image_list: list } }), model("kling-v1"), ctx)).toThrow(InputError);
  });

  it("refuses what Kling cannot do, naming the field", () => {
    const attempt = (over: Partial<GenerationInput>, id = "kling-v1") => {
      try {
        planKling(input(over), model(id), ctx);
      } catch (err) {
        return (err as InputError).param;
      }
      return "accepted";
    };
    expect(attempt({}, "kling-v1-5")).toBe("image"); // image-only model asked for text-to-video
    expect(attempt({ size: { width: 1000, height: 1000 } })).toBe("accepted");
    expect(attempt({ size: { width: 1000, height: 700 } })).toBe("size");
    expect(attempt({ metadata: { mode: "standard" } })).toBe("metadata.mode");
    expect(attempt({ metadata: { external_task_id: "x" } })).toBe("metadata.external_task_id");
  });

  it.each(["prompt", "image", "duration", "model_name", "callback_url"])("refuses metadata.%s: the checked top-level value is what Kling gets", (field) => {
    expect(() => planKling(input({ metadata: { [field]: "10" } }), model("kling-v1"), ctx)).toThrow(
      expect.objectContaining({ param: `metadata.${field}`, message: expect.stringMatching(/set by the gateway/) }),
    );
  });
});

describe("Kling answers", () => {
  it("reads a create answer and a finished query", () => {
    expect(interpretKlingSubmit({ status: 200, body: { code: 0, message: "SUCCEED", data: { task_id: "k1", task_status: "submitted" } } })).toEqual({
      kind: "accepted",
      upstreamId: "k1",
    });
    const done = {
      code: 0,
      data: { task_id: "k1", task_status: "succeed", task_result: { videos: [{ id: "v", url: "https://cdn/v.mp4", duration: "5.1" }] } },
    };
    expect(interpretKlingPoll({ status: 200, body: done })).toEqual({ kind: "succeeded", videoUrl: "https://cdn/v.mp4" });
    const failed = { code: 0, data: { task_id: "k1", task_status: "failed", task_status_msg: "risk control" } };
    expect(interpretKlingPoll({ status: 200, body: failed })).toMatchObject({ kind: "failed", error: { code: "generation_failed" } });
    expect(interpretKlingPoll({ status: 200, body: { code: 0, data: { task_id: "k1", task_status: "weird" } } })).toEqual({
      kind: "pending",
      vendorStatus: "weird",
      running: true, // an unknown status counts as rendering (never as success)
    });
    expect(interpretKlingPoll({ status: 502, body: "<html>" })).toMatchObject({ kind: "transient" });
  });

  it.each([
    [1000, 401, "failed", "upstream_auth_failed", 502],
    [1001, 401, "failed", "upstream_auth_failed", 502],
    [1002, 401, "failed", "upstream_auth_failed", 502],
    [1003, 401, "failed", "upstream_auth_failed", 502],
    [1004, 401, "transient", null, null],
    [1100, 429, "failed", "upstream_account_error", 503],
    [1101, 429, "failed", "upstream_insufficient_credit", 503],
    [1102, 429, "failed", "upstream_insufficient_credit", 503],
    [1103, 403, "failed", "upstream_account_error", 503],
    [1200, 400, "failed", "vendor_rejected_request", 400],
    [1201, 400, "failed", "vendor_rejected_request", 400],
    [1202, 404, "failed", "vendor_rejected_request", 400],
    [1203, 404, "failed", "vendor_rejected_request", 400],
    [1300, 400, "failed", "content_policy_violation", 400],
    [1301, 400, "failed", "content_policy_violation", 400],
    [1302, 429, "busy", null, null],
    [1303, 429, "busy", null, null],
    [1304, 429, "failed", "upstream_account_error", 503],
    [5000, 500, "transient", null, null],
    [5001, 503, "transient", null, null],
    [5002, 504, "transient", null, null],
  ])("classifies code %i (HTTP %i) on submit as %s %s", (code, http, kind, errorCode, status) => {
    const outcome = klingError(code, "msg", http, "submit");
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === "failed") expect([outcome.error.code, outcome.error.status]).toEqual([errorCode, status]);
  });

  it("resubmits only after Kling's own codes say nothing was created; an expired token is signed anew", () => {
    expect(klingError(5000, "internal", 500, "submit")).toMatchObject({ kind: "transient", safeToRetry: true });
    expect(klingError(1004, "expired", 401, "submit")).toMatchObject({ kind: "transient", safeToRetry: true, staleCredentials: true });
    // A proxy's 502, or Kling's envelope without a task id: the submission may have created the task.
    expect(interpretKlingSubmit({ status: 502, body: { message: "bad gateway" } })).not.toHaveProperty("safeToRetry");
    expect(interpretKlingSubmit({ status: 200, body: { code: 0, message: "SUCCEED", data: {} } })).toMatchObject({ kind: "transient" });
    expect(interpretKlingSubmit({ status: 200, body: { code: 0, message: "SUCCEED", data: {} } })).not.toHaveProperty("safeToRetry");
  });

  it("reads 'external_task_id already exists' on a resubmission as an earlier attempt's task to look up, not a refusal", () => {
    const duplicate = { status: 400, body: { code: 1201, message: 'external_task_id "vgt_x" already exists' } };
    expect(interpretKlingSubmit(duplicate)).toMatchObject({ kind: "transient" });
    expect(interpretKlingSubmit(duplicate)).not.toHaveProperty("safeToRetry");
    expect(interpretKlingSubmit({ status: 400, body: { code: 1201, message: "duration is invalid" } })).toMatchObject({ kind: "failed" });
  });

  it("forgets a cached token once Kling says it expired", async () => {
    const first = await klingToken("AK_forget", "SK_forget_secret_long_enough_0123");
    expect(await klingToken("AK_forget", "SK_forget_secret_long_enough_0123")).toBe(first);
    forgetKlingToken("AK_forget", "SK_forget_secret_long_enough_0123");
    await new Promise((r) => setTimeout(r, 1100)); // a new token differs only once its nbf/exp second has moved on
    expect(await klingToken("AK_forget", "SK_forget_secret_long_enough_0123")).not.toBe(first);
  });

  it("treats a vanished task on poll as lost, not as a bad request", () => {
    expect(klingError(1203, "task not found", 404, "poll")).toMatchObject({ kind: "failed", error: { code: "upstream_task_lost" } });
  });
});
