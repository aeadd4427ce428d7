import { describe, expect, it } from "vitest";
import { InputError } from "../../src/lib/errors.ts";
import type { GenerationInput, VendorReply } from "../../src/providers/types.ts";
import { verifyViduCallback, viduSignature, viduSigningString } from "../../src/providers/vidu/auth.ts";
import { viduError } from "../../src/providers/vidu/errors.ts";
import { vidu } from "../../src/providers/vidu/index.ts";
import {
  interpretViduLookup,
  interpretViduPoll,
  interpretViduSubmit,
  planVidu,
  readViduCallback,
  viduCancelCall,
  viduLookupCall,
  viduPollCall,
} from "../../src/providers/vidu/mapping.ts";
import { VIDU_MODELS } from "../../src/providers/vidu/models.ts";

const ctx = { taskId: "vgt_test", callbackUrl: "https://gw.example/v1/callbacks/vidu/vgt_test?token=t", createdMs: Date.UTC(2026, 0, 1) };
const row = (id: string) => VIDU_MODELS.find((m) => m.spec.id === id)!;
const model = (id: string) => row(id).spec;
const input = (over: Partial<GenerationInput>): GenerationInput => ({ model: "viduq1", prompt: "a cat", metadata: {}, ...over });
const plan = (over: Partial<GenerationInput>, id = over.model ?? "viduq1") => planVidu(input(over), row(id), ctx);
const URL_IMAGE = { kind: "url", url: "https://cdn.example/first.png" } as const;

// §3.7 test vector (official URL, Date and nonce; made-up secret).
const VECTOR = {
  secret: "vidu_test_api_key_123",
  url: "http://127.0.0.1:8080/vidu/callback?name=james&age=36",
  date: "Tue, 06 May 2025 12:09:42 GMT",
  nonce: "123e4567-e89b-12d3-a456-426614174000",
  signingString:
    "POST\n/vidu/callback\nname=james&age=36\nvidu\nTue, 06 May 2025 12:09:42 GMT\nDate:Tue, 06 May 2025 12:09:42 GMT\nx-request-nonce:123e4567-e89b-12d3-a456-426614174000\n",
  signature: "do3X61f1S0kRjNUve4/vDUdUAJ7yIYtk1bpSVbQcdIE=",
};
const credentials = { apiKey: VECTOR.secret };
const vectorNow = Date.parse(VECTOR.date) + 30_000;

function callback(over: Record<string, string | null> = {}, url = VECTOR.url): Request {
  const headers: Record<string, string | null> = {
    Date: VECTOR.date,
    "x-request-nonce": VECTOR.nonce,
    "X-HMAC-SIGNED-HEADERS": "Date;x-request-nonce",
    "X-HMAC-ALGORITHM": "hmac-sha256",
    "X-HMAC-ACCESS-KEY": "vidu",
    "X-HMAC-SIGNATURE": VECTOR.signature,
    "content-type": "application/json",
    ...over,
  };
  const present = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== null);
  return new Request(url, { method: "POST", headers: present, body: '{"state":"success"}' });
}

describe("Vidu callback signature", () => {
  it("reproduces the documented signing string and signature", async () => {
    const signing = viduSigningString("POST", "/vidu/callback", "name=james&age=36", VECTOR.date, [
      ["Date", VECTOR.date],
      ["x-request-nonce", VECTOR.nonce],
    ]);
    expect(signing).toBe(VECTOR.signingString);
    expect(await viduSignature(VECTOR.secret, signing)).toBe(VECTOR.signature);
  });

  it("verifies the documented request and returns its nonce", async () => {
    expect(await verifyViduCallback(credentials, callback(), vectorNow)).toEqual({ nonce: VECTOR.nonce });
    expect(await verifyViduCallback(credentials, callback(), Date.parse(VECTOR.date) - 4 * 60_000)).toEqual({ nonce: VECTOR.nonce });
  });

  it.each([
    ["a stale Date", {}, VECTOR.url, Date.parse(VECTOR.date) + 6 * 60_000, /5 minutes/],
    ["a Date from the future", {}, VECTOR.url, Date.parse(VECTOR.date) - 6 * 60_000, /5 minutes/],
    ["an unreadable Date", { Date: "yesterday" }, VECTOR.url, vectorNow, /Date/],
    ["a tampered signature", { "X-HMAC-SIGNATURE": "do3X61f1S0kRjNUve4/vDUdUAJ7yIYtk1bpSVbQcdIF=" }, VECTOR.url, vectorNow, /does not match/],
    ["a missing signature", { "X-HMAC-SIGNATURE": null }, VECTOR.url, vectorNow, /missing/],
    ["a wrong access key", { "X-HMAC-ACCESS-KEY": "someone" }, VECTOR.url, vectorNow, /ACCESS-KEY/],
    ["another algorithm", { "X-HMAC-ALGORITHM": "hmac-sha1" }, VECTOR.url, vectorNow, /ALGORITHM/],
    ["a missing nonce", { "x-request-nonce": null }, VECTOR.url, vectorNow, /nonce is missing/],
    ["an unsigned nonce", { "X-HMAC-SIGNED-HEADERS": "Date" }, VECTOR.url, vectorNow, /not a signed header/],
    ["a swapped nonce", { "x-request-nonce": "00000000-0000-0000-0000-000000000000" }, VECTOR.url, vectorNow, /does not match/],
    ["a reordered query", {}, "http://127.0.0.1:8080/vidu/callback?age=36&name=james", vectorNow, /does not match/],
    ["another path", {}, "http://127.0.0.1:8080/vidu/other?name=james&age=36", vectorNow, /does not match/],
  ])("refuses %s", async (_, headers, url, now, why) => {
    const verdict = await verifyViduCallback(credentials, callback(headers, url), now);
    expect(verdict).toEqual({ error: expect.stringMatching(why) });
  });

  it("refuses a key other than the one that signed", async () => {
    expect(await verifyViduCallback({ apiKey: "another-key" }, callback(), vectorNow)).toEqual({ error: expect.stringMatching(/does not match/) });
  });
});

describe("Vidu request mapping", () => {
  it("maps the 88API Vidu example to img2video with the gateway's own callback URL", () => {
    // The API layer has already removed metadata.callback_url (the user's webhook).
    const planned = plan({
      prompt: "The astronaut waved and the camera moved up.",
      size: { width: 1920, height: 1080 },
      image: { kind: "url", url: "https://prod-ss-images.s3.cn-northwest-1.amazonaws.com.cn/vidu-maas/template/image2video.png" },
      duration: 5,
      metadata: { duration: 5, seed: 0, resolution: "1080p", movement_amplitude: "auto", bgm: false, payload: "" },
    });
    expect(planned).toEqual({
      call: {
        method: "POST",
        path: "/ent/v2/img2video",
        body: {
          model: "viduq1",
          images: ["https://prod-ss-images.s3.cn-northwest-1.amazonaws.com.cn/vidu-maas/template/image2video.png"],
          prompt: "The astronaut waved and the camera moved up.",
          duration: 5,
          seed: 0,
          resolution: "1080p",
          movement_amplitude: "auto",
          bgm: false,
          // The example's empty payload carries the gateway's task id, so a lost submission can be found in Vidu's list.
          payload: "vgt_test",
          callback_url: ctx.callbackUrl,
        },
      },
      ref: { since: "2025-12-31T23:55:00.000Z" },
      output: { audio: false, resolution: "1080p", seconds: 5 },
    });
  });

  it("keeps a payload of the user's own, and then cannot look the task up", () => {
    const own = plan({ metadata: { payload: "order-42" } });
    expect(own.call.body).toMatchObject({ payload: "order-42" });
    expect(own.ref).toEqual({});
  });

  it("selects each endpoint from the request", () => {
    const t2v = plan({ size: { width: 1080, height: 1920 }, seed: 42, metadata: { style: "anime", off_peak: true } });
    expect(t2v.call.path).toBe("/ent/v2/text2video");
    expect(t2v.call.body).toEqual({
      model: "viduq1",
      prompt: "a cat",
      duration: 5,
      seed: 42,
      resolution: "1080p",
      aspect_ratio: "9:16",
      style: "anime",
      off_peak: true,
      callback_url: ctx.callbackUrl,
      payload: "vgt_test",
    });

    const i2v = plan({ image: URL_IMAGE, size: { width: 1080, height: 1920 } });
    expect(i2v.call.path).toBe("/ent/v2/img2video");
    expect(i2v.call.body).not.toHaveProperty("aspect_ratio");

    const se = plan({ image: URL_IMAGE, metadata: { image_tail: "https://cdn.example/last.png" } });
    expect(se.call.path).toBe("/ent/v2/start-end2video");
    expect(se.call.body).toMatchObject({ images: ["https://cdn.example/first.png", "https://cdn.example/last.png"] });
    expect(se.call.body).not.toHaveProperty("image_tail");

    const refs = ["https://cdn.example/a.png", "https://cdn.example/b.png", "https://cdn.example/c.png"];
    const r2v = plan({ model: "viduq2", size: { width: 1024, height: 768 }, metadata: { images: refs } });
    expect(r2v.call.path).toBe("/ent/v2/reference2video");
    expect(r2v.call.body).toMatchObject({ model: "viduq2", images: refs, aspect_ratio: "4:3", resolution: "720p", duration: 5 });
  });

  it("sends the model's default duration, and maps size to a resolution by the short side", () => {
    expect(plan({ model: "vidu1.5" }).call.body).toMatchObject({ duration: 4 });
    expect(plan({ model: "vidu1.5", size: { width: 640, height: 360 } }).call.body).toMatchObject({ resolution: "360p" });
    // vidu1.5 renders 8 s at 720p only, whatever the size asks for.
    expect(plan({ model: "vidu1.5", duration: 8, size: { width: 1920, height: 1080 } }).call.body).toMatchObject({ resolution: "720p" });
    expect(plan({ model: "viduq3-pro", duration: 16, size: { width: 960, height: 540 } }).call.body).toMatchObject({
      duration: 16,
      resolution: "540p",
      aspect_ratio: "16:9",
    });
    expect(plan({ model: "vidu1.5" }).call.body).not.toHaveProperty("resolution");
  });

  it("sends base64 images as data URIs, adding the prefix raw base64 lacks", () => {
    const planned = plan({
      image: { kind: "base64", data: "iVBORw0KGgo=", mime: "image/png" },
      metadata: { image_tail: "/9j/4AAQSkZJRg==" },
    });
    expect(planned.call.body).toMatchObject({ images: ["data:image/png;base64,iVBORw0KGgo=", "data:image/jpeg;base64,/9j/4AAQSkZJRg=="] });
    const refs = plan({ metadata: { images: ["data:image/webp;base64,UklGRg==", "iVBORw0KGgo=", "https://cdn.example/a.png"] } });
    expect(refs.call.body).toMatchObject({
      images: ["data:image/webp;base64,UklGRg==", "data:image/png;base64,iVBORw0KGgo=", "https://cdn.example/a.png"],
    });
  });

  it.each<[string, Partial<GenerationInput>, string]>([
    ["text-to-video on an image-only model", { model: "viduq1-classic" }, "image"],
    ["image-to-video on a text/reference model", { model: "viduq2", image: URL_IMAGE }, "model"],
    ["reference-to-video on a model without it", { model: "vidu1.5", metadata: { images: ["https://x/a.png"] } }, "model"],
    ["start-end without a first frame", { metadata: { image_tail: "https://x/b.png" } }, "image"],
    ["reference images with a first frame", { image: URL_IMAGE, metadata: { images: ["https://x/a.png"] } }, "metadata.images"],
    ["no reference images", { metadata: { images: [] } }, "metadata.images"],
    ["eight reference images", { metadata: { images: Array(8).fill("https://x/a.png") } }, "metadata.images"],
    ["reference images not a list", { metadata: { images: "https://x/a.png" } }, "metadata.images"],
    ["a reference image that is no image", { metadata: { images: ["https://x/a.png", "not an image!"] } }, "metadata.images[1]"],
    ["an image_tail that is no image", { image: URL_IMAGE, metadata: { image_tail: 42 } }, "metadata.image_tail"],
    ["reference-to-video without prompt", { prompt: " ", metadata: { images: ["https://x/a.png"] } }, "prompt"],
    ["a duration the endpoint lacks", { model: "vidu2.0", duration: 8, metadata: { images: ["https://x/a.png"] } }, "duration"],
    ["a metadata.duration the model lacks", { metadata: { duration: 10 } }, "metadata.duration"],
    ["a metadata.duration as text", { metadata: { duration: "5" } }, "metadata.duration"],
    ["a metadata.resolution the model lacks", { metadata: { resolution: "720p" } }, "metadata.resolution"],
    ["1080p at 8 s on vidu1.5", { model: "vidu1.5", duration: 8, metadata: { resolution: "1080p" } }, "metadata.resolution"],
    ["an aspect ratio not rendered", { size: { width: 1000, height: 700 } }, "size"],
    ["3:4 on viduq1", { metadata: { aspect_ratio: "3:4" } }, "metadata.aspect_ratio"],
    ["an aspect ratio on image-to-video", { image: URL_IMAGE, metadata: { aspect_ratio: "16:9" } }, "metadata.aspect_ratio"],
    ["metadata.model", { metadata: { model: "viduq2" } }, "metadata.model"],
    ["metadata.prompt", { metadata: { prompt: "other" } }, "metadata.prompt"],
    ["seed and metadata.seed differing", { seed: 1, metadata: { seed: 2 } }, "metadata.seed"],
  ])("refuses %s with a 400 on the field to change", (_, over, param) => {
    let error: unknown;
    try {
      plan(over);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).param).toEqual(param);
  });

  it("names the allowed values in its 400s", () => {
    expect(() => plan({ model: "vidu2.0", duration: 8, metadata: { images: ["https://x/a.png"] } })).toThrow(/takes duration 4 \(seconds\)/);
    expect(() => plan({ model: "vidu1.5", duration: 8, metadata: { resolution: "1080p" } })).toThrow(/at 8 s takes resolution 720p\./);
    expect(() => plan({ model: "viduq1-classic" })).toThrow(/it does start-end-to-video \(image and metadata.image_tail\)/);
    expect(() => plan({ metadata: { aspect_ratio: "3:4" } })).toThrow(/one of 16:9, 9:16, 1:1/);
  });
});

describe("Vidu answers", () => {
  it("reads a create answer", () => {
    const created = { task_id: "830000000000000001", state: "created", model: "viduq1", credits: 4, created_at: "2025-04-14T15:29:10.002012956Z" };
    expect(interpretViduSubmit({ status: 200, body: created })).toEqual({ kind: "accepted", upstreamId: "830000000000000001" });
    expect(interpretViduSubmit({ status: 200, body: { state: "created" } })).toMatchObject({ kind: "transient" });
  });

  const task = (state: string, extra: Record<string, unknown> = {}) => ({ status: 200, body: { state, err_code: "", credits: 4, payload: "", ...extra } });
  const creations = [{ id: "c1", url: "https://cdn.vidu/v.mp4", cover_url: "https://cdn.vidu/c.jpeg" }];

  it.each<[string, VendorReply, object]>([
    ["created", task("created"), { kind: "pending", vendorStatus: "created" }],
    ["queueing", task("queueing"), { kind: "pending", vendorStatus: "queueing" }],
    ["processing", task("processing"), { kind: "pending", vendorStatus: "processing" }],
    ["an unknown state", task("scheduled"), { kind: "pending", vendorStatus: "scheduled" }],
    ["success", task("success", { creations }), { kind: "succeeded", videoUrl: "https://cdn.vidu/v.mp4", coverUrl: "https://cdn.vidu/c.jpeg" }],
    ["success without cover", task("success", { creations: [{ url: "https://cdn.vidu/v.mp4" }] }), { kind: "succeeded", videoUrl: "https://cdn.vidu/v.mp4" }],
    ["success without creations", task("success", { creations: [] }), { kind: "transient" }],
    ["success with an empty URL", task("success", { creations: [{ url: "" }] }), { kind: "transient" }],
    [
      "failed by moderation",
      task("failed", { err_code: "CreationPolicyViolation" }),
      { kind: "failed", error: { code: "content_policy_violation", status: 400 } },
    ],
    ["failed by an audit", task("failed", { err_code: "AuditSubmitIllegal" }), { kind: "failed", error: { code: "content_policy_violation" } }],
    ["failed otherwise", task("failed", { err_code: "InternalServiceFailure" }), { kind: "failed", error: { code: "generation_failed", status: 502 } }],
    ["failed without a code", task("failed", { err_code: null }), { kind: "failed", error: { code: "generation_failed" } }],
    ["a body without state", { status: 200, body: { creations } }, { kind: "transient" }],
  ])("reads a query answer of %s", (_, reply, outcome) => {
    expect(interpretViduPoll(reply)).toMatchObject(outcome);
  });

  it("keeps the err_code as the failure's reason", () => {
    const outcome = interpretViduPoll(task("failed", { err_code: "ImageDownloadFailure" }));
    expect(outcome.kind === "failed" && outcome.error.message).toContain("ImageDownloadFailure");
  });

  const envelope = (code: number, reason: string) => ({ status: code, body: { code, reason, message: "msg", metadata: { trace_id: "t" } } });

  it.each<[number, string, string, string | null]>([
    [400, "BadRequest", "failed", "vendor_rejected_request"],
    [400, "FieldLacking", "failed", "vendor_rejected_request"],
    [400, "FieldUnwanted", "failed", "vendor_rejected_request"],
    [400, "FieldInvalid", "failed", "vendor_rejected_request"],
    [400, "FieldItemCountOutOfRange", "failed", "vendor_rejected_request"],
    [400, "PageSizeOutOfRange", "failed", "vendor_rejected_request"],
    [400, "ImageFormatInvalid", "failed", "vendor_rejected_request"],
    [400, "ModelUnavailable", "failed", "vendor_rejected_request"],
    [400, "ImageDownloadFailure", "failed", "vendor_rejected_request"],
    [400, "TaskPromptPolicyViolation", "failed", "content_policy_violation"],
    [400, "AuditSubmitIllegal", "failed", "content_policy_violation"],
    [400, "CreationPolicyViolation", "failed", "content_policy_violation"],
    [400, "ImageCheckBodyJointsFailed", "failed", "content_policy_violation"],
    [400, "ImageCheckFaceFailed", "failed", "content_policy_violation"],
    [400, "ImageObjectsUndetected", "failed", "content_policy_violation"],
    [400, "CreditInsufficient", "failed", "upstream_insufficient_credit"],
    [400, "OperationInProcess", "busy", null],
    [400, "UserCancelled", "failed", "generation_failed"],
    [401, "Unauthorized", "failed", "upstream_auth_failed"],
    [403, "Forbidden", "failed", "upstream_auth_failed"],
    [404, "NotFound", "failed", "vendor_rejected_request"],
    [409, "Conflict", "failed", "vendor_rejected_request"],
    [429, "QuotaExceeded", "busy", null],
    [429, "TooManyRequests", "busy", null],
    [429, "SystemThrottling", "busy", null],
    [499, "Canceled", "failed", "generation_failed"],
    [500, "InternalServiceFailure", "transient", null],
    [502, "BadGateway", "transient", null],
    [418, "SomethingNew", "failed", "vendor_rejected_request"],
    [429, "SomethingNew", "busy", null],
  ])("classifies HTTP %i %s on submit as %s %s", (status, reason, kind, code) => {
    const outcome = interpretViduSubmit(envelope(status, reason));
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === "failed") expect(outcome.error.code).toBe(code);
  });

  it("resubmits only after Vidu's own word that nothing was created; any other trouble leaves the submission in doubt", () => {
    expect(interpretViduSubmit(envelope(500, "InternalServiceFailure"))).toMatchObject({ kind: "transient", safeToRetry: true });
    expect(interpretViduSubmit(envelope(502, "BadGateway"))).not.toHaveProperty("safeToRetry");
    expect(interpretViduSubmit({ status: 200, body: { state: "created" } })).toMatchObject({ kind: "transient" }); // accepted, no id
    expect(interpretViduSubmit({ status: 200, body: { state: "created" } })).not.toHaveProperty("safeToRetry");
  });

  it("finds a lost submission in Vidu's task list by the payload that carries our task id", () => {
    const call = viduLookupCall("vgt_test", { since: "2025-12-31T23:55:00.000Z" });
    expect(call.method).toBe("GET");
    expect(Object.fromEntries(new URL(call.path, "https://x").searchParams)).toEqual({
      "created_at.from": "2025-12-31T23:55:00.000Z",
      "pager.page": "0",
      "pager.pagesz": "100",
    });
    const listed = (...tasks: object[]) => ({ status: 200, body: { tasks } });
    expect(interpretViduLookup(listed({ task_id: "v1", payload: "other" }, { task_id: "v2", payload: "vgt_test" }), "vgt_test")).toEqual({
      kind: "accepted",
      upstreamId: "v2",
    });
    expect(interpretViduLookup(listed({ task_id: "v1", payload: "other" }), "vgt_test")).toEqual({ kind: "absent" });
    // A full page could hide it on the next one: not proof it never arrived.
    const full = listed(...Array.from({ length: 100 }, (_, i) => ({ task_id: `v${i}`, payload: `other${i}` })));
    expect(interpretViduLookup(full, "vgt_test").kind).toBe("transient");
    expect(interpretViduLookup(envelope(500, "InternalServiceFailure"), "vgt_test").kind).toBe("transient");
  });

  it.each<[number, string, string, string | null]>([
    [404, "TaskNotFound", "failed", "upstream_task_lost"],
    [404, "CreationNotFound", "failed", "upstream_task_lost"],
    [404, "NotFound", "failed", "upstream_task_lost"],
    [429, "TooManyRequests", "busy", null],
    [500, "InternalServiceFailure", "transient", null],
    [401, "Unauthorized", "failed", "upstream_auth_failed"],
  ])("classifies HTTP %i %s on poll as %s %s", (status, reason, kind, code) => {
    const outcome = interpretViduPoll(envelope(status, reason));
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === "failed") expect(outcome.error.code).toBe(code);
  });

  it("reads a non-2xx answer without Vidu's envelope by its status", () => {
    expect(interpretViduPoll({ status: 503, body: { error: "upstream" } })).toMatchObject({ kind: "transient" });
    expect(interpretViduSubmit({ status: 401, body: {} })).toMatchObject({ kind: "failed", error: { code: "upstream_auth_failed" } });
    expect(viduError("CreditInsufficient", "insufficient credits", 400, "submit")).toMatchObject({
      kind: "failed",
      error: { status: 503, message: expect.stringContaining("insufficient credits (CreditInsufficient)") },
    });
  });
});

describe("Vidu calls and callbacks", () => {
  it("builds the query and cancel calls", () => {
    expect(viduPollCall("830000000000000001")).toEqual({ method: "GET", path: "/ent/v2/tasks/830000000000000001/creations" });
    expect(viduCancelCall("830000000000000001")).toEqual({
      method: "POST",
      path: "/ent/v2/tasks/830000000000000001/cancel",
      body: { id: "830000000000000001" },
    });
  });

  it("reads a callback's task id from task_id or id", () => {
    expect(readViduCallback({ task_id: "t1", state: "success", creations: [] })).toEqual({ upstreamId: "t1", status: "success" });
    expect(readViduCallback({ id: "t2", state: "failed", err_code: "AuditSubmitIllegal" })).toEqual({ upstreamId: "t2", status: "failed" });
    expect(readViduCallback({ state: "success" })).toEqual({ upstreamId: null, status: "success" });
    expect(readViduCallback({ task_id: "t1" })).toBeNull();
    expect(readViduCallback("nope")).toBeNull();
  });

  it("authenticates with Token", async () => {
    expect(await vidu.authorize(credentials, viduPollCall("t1"), "https://api.vidu.com/ent/v2/tasks/t1/creations", undefined)).toEqual({
      authorization: `Token ${VECTOR.secret}`,
    });
  });

  it("publishes a plain model spec per model", () => {
    expect(VIDU_MODELS.map((m) => m.spec.id)).toEqual([
      "viduq1",
      "viduq1-classic",
      "vidu2.0",
      "vidu1.5",
      "viduq2",
      "viduq2-pro",
      "viduq2-turbo",
      "viduq2-pro-fast",
      "viduq3-pro",
      "viduq3-turbo",
      "viduq3-mix",
      "viduq3",
    ]);
    expect(model("viduq1")).toMatchObject({ inputs: ["text", "image", "image_tail", "images"], durations: [5], resolutions: ["1080p"], fps: 24, seed: true });
    expect(model("viduq2-turbo").aspect_ratios).toEqual([]);
    expect(model("viduq2-pro-fast")).toMatchObject({ inputs: ["image", "image_tail"], durations: [1, 2, 3, 4, 5, 6, 7, 8], resolutions: ["720p", "1080p"] });
    expect(Object.keys(model("vidu2.0")).sort()).toEqual([
      "aspect_ratios",
      "default_duration",
      "durations",
      "fps",
      "id",
      "inputs",
      "metadata",
      "prompt_max",
      "resolutions",
      "seed",
      "vendor",
    ]);
  });
});
