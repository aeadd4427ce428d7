import { afterEach, describe, expect, it, vi } from "vitest";
import { config } from "../../src/config.ts";
import type { Env } from "../../src/env.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { InputError } from "../../src/lib/errors.ts";
import { jimeng } from "../../src/providers/jimeng/index.ts";
import { interpretJimengPoll, interpretJimengSubmit, jimengPollCall, planJimeng } from "../../src/providers/jimeng/mapping.ts";
import { JIMENG_MODELS } from "../../src/providers/jimeng/models.ts";
import { signVolc, volcCanonicalRequest } from "../../src/providers/jimeng/signing.ts";
import type { GenerationInput, Outcome } from "../../src/providers/types.ts";

const row = (id: string) => JIMENG_MODELS.find((m) => m.spec.id === id)!;
const model = (id: string) => row(id).spec;
const input = (over: Partial<GenerationInput>): GenerationInput => ({ model: "jimeng_v30", prompt: "a cat", metadata: {}, ...over });
const plan = (over: Partial<GenerationInput>) => planJimeng(input(over), row(over.model ?? "jimeng_v30"));
const body = (over: Partial<GenerationInput>) => plan(over).call.body as Record<string, unknown>;
const refusal = (over: Partial<GenerationInput>) => {
  try {
    plan(over);
  } catch (err) {
    if (err instanceof InputError) return { status: 400, param: err.param, code: err.code, message: err.message };
    throw err;
  }
  return null;
};

// ---- vendor-protocols §2.6 test vector ----
const AK = "AKLTtestaccesskey";
const SK = "dGVzdHNlY3JldGtleQ==";
const NOW = Date.parse("2025-01-15T08:30:00Z");
const URL_ = "https://visual.volcengineapi.com/?Action=CVSync2AsyncSubmitTask&Version=2022-08-31";
const BODY = '{"req_key":"jimeng_t2v_v30","prompt":"a cat","seed":-1,"frames":121,"aspect_ratio":"16:9"}';
const BODY_HASH = "c8b20c30685dd6838d0d70e6351fdae202131c02c7e7220f48f595b1fb33841a";
const VARIANTS = {
  A: [
    "x-content-sha256;x-date",
    "edb77cbc08cc2a33b7a8da8513c7dadb0eae30cbefeacd2dff2ef8925b60b22c",
    "90194874b3509186a52fb8af8498e3c63f132050abc04b8837a802586b519499",
  ],
  B: [
    "host;x-content-sha256;x-date",
    "161f855955963b201a5b828aa432a9d95c750521411c6acf49a48446fe4356f0",
    "4d1de09ba860d5d92125b0bd89e8c0a811856713ca13f3254f5621078d500567",
  ],
  C: [
    "content-type;host;x-content-sha256;x-date",
    "1b9b7f07dd6ff2abf023cec040511d5c436666b9f69b7f4dec01ef0e13b9c9e5",
    "50e553d7ba233ac4b852411cb4d38e56ebcbb3d90c7aa84275e39d26c599917d",
  ],
} as const;

/**
 * The server's check, written again from the algorithm text of vendor-protocols §2.6 with nothing but Web
 * Crypto (no code of the signer): recompute the signature of a request as received and compare.
 */
async function verifyAsServer(req: { method: string; url: string; headers: Record<string, string>; body: string }, secret: string): Promise<string> {
  const enc = new TextEncoder();
  const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
  const hash = async (s: string) => hex(await crypto.subtle.digest("SHA-256", enc.encode(s)));
  const mac = async (key: ArrayBuffer | Uint8Array, s: string) =>
    crypto.subtle.sign("HMAC", await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]), enc.encode(s));

  const url = new URL(req.url);
  const h: Record<string, string> = { host: url.host };
  for (const [k, val] of Object.entries(req.headers)) h[k.toLowerCase()] = val;
  const auth = /^HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/cn-north-1\/cv\/request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    h.authorization ?? "",
  );
  if (!auth) return "malformed authorization";
  const [, , shortDate, signedList, signature] = auth as unknown as [string, string, string, string, string];
  const xDate = h["x-date"] ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(xDate) || xDate.slice(0, 8) !== shortDate) return "bad x-date";
  const bodyHash = await hash(req.body);
  if (h["x-content-sha256"] !== bodyHash) return "body hash mismatch";
  const signed = signedList.split(";");
  if (!signed.includes("x-date") || signed.some((n) => h[n] === undefined)) return "bad signed headers";
  const pct = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = url.search
    .slice(1)
    .split("&")
    .filter(Boolean)
    .map((pair) =>
      pair
        .split("=")
        .map((p) => pct(decodeURIComponent(p)))
        .join("="),
    )
    .sort()
    .join("&");
  const canonical = `${req.method}\n${url.pathname}\n${query}\n${signed.map((n) => `${n}:${h[n]!.trim()}\n`).join("")}\n${signedList}\n${bodyHash}`;
  const toSign = `HMAC-SHA256\n${xDate}\n${shortDate}/cn-north-1/cv/request\n${await hash(canonical)}`;
  let key: ArrayBuffer | Uint8Array = enc.encode(secret);
  for (const part of [shortDate, "cn-north-1", "cv", "request"]) key = await mac(key, part);
  return hex(await mac(key, toSign)) === signature ? "ok" : "signature mismatch";
}

describe("Volcengine signature V4", () => {
  it.each(Object.entries(VARIANTS))("reproduces test vector %s (canonical request hash and signature)", async (_, [signed, canonicalHash, signature]) => {
    const headers = { "content-type": "application/json" };
    const sent = await signVolc({
      method: "POST",
      url: URL_,
      headers,
      body: BODY,
      accessKeyId: AK,
      secretAccessKey: SK,
      now: NOW,
      signedHeaders: signed.split(";"),
    });
    expect(sent["x-date"]).toBe("20250115T083000Z");
    expect(sent["x-content-sha256"]).toBe(BODY_HASH);
    expect(await sha256Hex(volcCanonicalRequest("POST", URL_, sent, signed.split(";"), BODY_HASH))).toBe(canonicalHash);
    expect(sent.authorization).toBe(`HMAC-SHA256 Credential=${AK}/20250115/cn-north-1/cv/request, SignedHeaders=${signed}, Signature=${signature}`);
  });

  it("builds the documented canonical request of variant A", async () => {
    const sent = await signVolc({ method: "POST", url: URL_, body: BODY, accessKeyId: AK, secretAccessKey: SK, now: NOW });
    expect(volcCanonicalRequest("POST", URL_, sent, ["x-content-sha256", "x-date"], BODY_HASH)).toBe(
      `POST\n/\nAction=CVSync2AsyncSubmitTask&Version=2022-08-31\nx-content-sha256:${BODY_HASH}\nx-date:20250115T083000Z\n\nx-content-sha256;x-date\n${BODY_HASH}`,
    );
  });

  it("the independent verifier accepts all three documented vectors (so it checks the spec, not our signer)", async () => {
    for (const [signed, , signature] of Object.values(VARIANTS)) {
      const authorization = `HMAC-SHA256 Credential=${AK}/20250115/cn-north-1/cv/request, SignedHeaders=${signed}, Signature=${signature}`;
      const headers = { "content-type": "application/json", "x-date": "20250115T083000Z", "x-content-sha256": BODY_HASH, authorization };
      expect(await verifyAsServer({ method: "POST", url: URL_, headers, body: BODY }, SK)).toBe("ok");
    }
  });

  describe("through the provider", () => {
    afterEach(() => vi.useRealTimers());
    const credentials = { accessKeyId: AK, secretAccessKey: SK };
    const jimengUrl = (base?: string) => config({ JIMENG_BASE_URL: base } as Env).vendors.jimeng.baseUrl;

    it("plans the vector's body byte for byte and signs it as vector B (host signed)", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(NOW);
      const { call } = plan({ size: { width: 1280, height: 720 } });
      const bodyText = JSON.stringify(call.body); // what client.ts sends
      expect(bodyText).toBe(BODY);
      expect(jimengUrl() + call.path).toBe(URL_);
      const headers = await jimeng.authorize(credentials, call, URL_, bodyText);
      expect(headers.authorization).toBe(
        `HMAC-SHA256 Credential=${AK}/20250115/cn-north-1/cv/request, SignedHeaders=${VARIANTS.B[0]}, Signature=${VARIANTS.B[2]}`,
      );
    });

    it("round-trips submit and poll calls through the independent verifier, and fails any tampering", async () => {
      const base = "http://127.0.0.1:18790"; // the host fetch sends includes the port, and so does the signed one
      for (const call of [plan({ prompt: "雨中的猫" }).call, jimengPollCall("7392616336519610409", { req_key: "jimeng_t2v_v30" })]) {
        const bodyText = JSON.stringify(call.body);
        const headers = { ...(await jimeng.authorize(credentials, call, jimengUrl(base) + call.path, bodyText)), "content-type": "application/json" };
        const request = { method: call.method, url: base + call.path, headers, body: bodyText };
        expect(await verifyAsServer(request, SK)).toBe("ok");
        expect(await verifyAsServer({ ...request, body: bodyText.replace("}", ',"x":1}') }, SK)).toBe("body hash mismatch");
        expect(await verifyAsServer({ ...request, url: `http://127.0.0.1:18791${call.path}` }, SK)).toBe("signature mismatch");
        expect(await verifyAsServer({ ...request, url: request.url.replace("2022-08-31", "2022-08-30") }, SK)).toBe("signature mismatch");
        expect(await verifyAsServer(request, `${SK}x`)).toBe("signature mismatch");
      }
    });
  });
});

describe("Jimeng provider", () => {
  it("polls (no callbacks)", () => {
    expect(jimeng.callbacks).toBe(false);
  });

  it("lists the explicit req_keys and the friendly names with Jimeng's limits", () => {
    expect(JIMENG_MODELS.map((m) => m.spec.id).sort()).toEqual(
      [
        "jimeng_t2v_v30",
        "jimeng_i2v_first_v30",
        "jimeng_i2v_first_tail_v30",
        "jimeng_i2v_recamera_v30",
        "jimeng_t2v_v30_1080p",
        "jimeng_i2v_first_v30_1080",
        "jimeng_i2v_first_tail_v30_1080",
        "jimeng_ti2v_v30_pro",
        "jimeng_vgfm_t2v_l20",
        "jimeng_vgfm_i2v_l20",
        "jimeng_v30",
        "jimeng_v30_1080p",
        "jimeng_v30_pro",
      ].sort(),
    );
    for (const m of JIMENG_MODELS) expect(m.spec).toMatchObject({ vendor: "jimeng", durations: [5, 10], fps: 24, seed: true, prompt_max: 800 });
    expect(model("jimeng_v30")).toMatchObject({ resolutions: ["720p"], inputs: ["text", "image", "image_tail"] });
    expect(model("jimeng_v30_1080p")).toMatchObject({ resolutions: ["1080p"], inputs: ["text", "image", "image_tail"] });
    expect(model("jimeng_v30_pro")).toMatchObject({ resolutions: ["1080p"], inputs: ["text", "image"] });
    expect(model("jimeng_i2v_first_tail_v30_1080")).toMatchObject({ resolutions: ["1080p"], inputs: ["image", "image_tail"] });
    expect(model("jimeng_t2v_v30").aspect_ratios).toEqual(["16:9", "4:3", "1:1", "3:4", "9:16", "21:9"]);
  });
});

describe("Jimeng request mapping", () => {
  it("maps the 88API Jimeng example as is: metadata.req_key overrides, the user's image_urls pass through", () => {
    const url = "https://example.com/first.jpg";
    const p = planJimeng(
      input({
        model: "jimeng_vgfm_t2v_l20",
        prompt: "一只小猫在草地上奔跑",
        image: { kind: "url", url },
        metadata: { req_key: "jimeng_vgfm_i2v_l20", image_urls: [url], aspect_ratio: "16:9" },
      }),
      row("jimeng_vgfm_t2v_l20"),
    );
    expect(p).toEqual({
      call: {
        method: "POST",
        path: "/?Action=CVSync2AsyncSubmitTask&Version=2022-08-31",
        body: { req_key: "jimeng_vgfm_i2v_l20", prompt: "一只小猫在草地上奔跑", seed: -1, frames: 121, aspect_ratio: "16:9", image_urls: [url] },
      },
      ref: { req_key: "jimeng_vgfm_i2v_l20" },
      output: { audio: false, resolution: "720p", seconds: 5 },
    });
  });

  it("polls with the submit's req_key, whatever the model", () => {
    const { ref } = plan({ model: "jimeng_v30_1080p", image: { kind: "url", url: "https://x/a.png" } });
    expect(jimengPollCall("7392616336519610409", ref)).toEqual({
      method: "POST",
      path: "/?Action=CVSync2AsyncGetResult&Version=2022-08-31",
      body: { req_key: "jimeng_i2v_first_v30_1080", task_id: "7392616336519610409" },
    });
  });

  const first = { kind: "url", url: "https://x/first.png" } as const;
  const tail = { image_tail: "https://x/last.png" };
  it.each([
    ["jimeng_v30", {}, "jimeng_t2v_v30"],
    ["jimeng_v30", { image: first }, "jimeng_i2v_first_v30"],
    ["jimeng_v30", { image: first, metadata: tail }, "jimeng_i2v_first_tail_v30"],
    ["jimeng_v30_1080p", {}, "jimeng_t2v_v30_1080p"],
    ["jimeng_v30_1080p", { image: first }, "jimeng_i2v_first_v30_1080"],
    ["jimeng_v30_1080p", { image: first, metadata: tail }, "jimeng_i2v_first_tail_v30_1080"],
    ["jimeng_v30_pro", {}, "jimeng_ti2v_v30_pro"],
    ["jimeng_v30_pro", { image: first }, "jimeng_ti2v_v30_pro"],
    ["jimeng_v30_pro", { image: first, prompt: "" }, "jimeng_ti2v_v30_pro"],
    ["jimeng_v30", { metadata: { image_urls: ["https://x/1.png", "https://x/2.png"] } }, "jimeng_i2v_first_tail_v30"],
  ] as [string, Partial<GenerationInput>, string][])("%s with %j → %s", (id, over, reqKey) => {
    const p = plan({ model: id, ...over });
    expect(p.ref).toEqual({ req_key: reqKey });
    expect((p.call.body as Record<string, unknown>).req_key).toBe(reqKey);
  });

  it("sends both frames as image_urls, and never image_tail itself", () => {
    const b = body({ image: first, metadata: tail });
    expect(b.image_urls).toEqual(["https://x/first.png", "https://x/last.png"]);
    expect(b).not.toHaveProperty("image_tail");
    expect(b).not.toHaveProperty("aspect_ratio");
  });

  it("refuses inputs a model or req_key cannot take, naming the field", () => {
    expect(refusal({ model: "jimeng_v30_pro", image: first, metadata: tail })).toMatchObject({ status: 400, param: "metadata.image_tail" });
    expect(refusal({ model: "jimeng_t2v_v30", image: first })).toMatchObject({ param: "image" });
    expect(refusal({ model: "jimeng_i2v_first_v30" })).toMatchObject({ param: "image" });
    expect(refusal({ model: "jimeng_i2v_first_tail_v30", image: first })).toMatchObject({ param: "image" });
    expect(refusal({ model: "jimeng_i2v_first_v30", image: first, prompt: "" })).toMatchObject({ param: "prompt", code: "missing_required_field" });
    expect(refusal({ metadata: tail })).toMatchObject({ param: "image" });
    expect(refusal({ model: "jimeng_i2v_recamera_v30", image: first })).toMatchObject({ param: "metadata.template_id" });
    expect(refusal({ model: "jimeng_i2v_recamera_v30", image: first, metadata: { template_id: "robo_arm", camera_strength: "max" } })).toMatchObject({
      param: "metadata.camera_strength",
    });
    expect(refusal({ model: "jimeng_i2v_recamera_v30", image: first, metadata: { template_id: "robo_arm", camera_strength: "weak" } })).toBeNull();
    expect(refusal({ metadata: { frames: 241 } })).toMatchObject({ param: "metadata.frames" });
    expect(refusal({ metadata: { aspect_ratio: "2:1" } })).toMatchObject({ param: "metadata.aspect_ratio" });
    expect(refusal({ size: { width: 1000, height: 700 } })).toMatchObject({ param: "size" });
    expect(refusal({ metadata: { image_urls: [] } })).toMatchObject({ param: "metadata.image_urls" });
    expect(refusal({ metadata: { image_urls: ["https://x/1.png"], ...tail } })).toMatchObject({ param: "metadata.image_tail" });
  });

  it("refuses a metadata.req_key that is unknown or does not fit the inputs", () => {
    const unknown = refusal({ metadata: { req_key: "jimeng_t2v_v40" } });
    expect(unknown).toMatchObject({ status: 400, param: "metadata.req_key", code: "invalid_value" });
    expect(unknown!.message).toContain("jimeng_t2v_v30, jimeng_i2v_first_v30");
    expect(unknown!.message).toContain("jimeng_vgfm_i2v_l20");
    expect(refusal({ metadata: { req_key: "jimeng_i2v_first_v30" } })).toMatchObject({ param: "metadata.req_key" });
    expect(refusal({ image: first, metadata: { req_key: "jimeng_t2v_v30_1080p" } })).toMatchObject({ param: "metadata.req_key" });
    expect(refusal({ image: first, metadata: { req_key: 7 } })).toMatchObject({ param: "metadata.req_key" });
    // Any documented key may be chosen, whatever the model.
    expect(plan({ model: "jimeng_v30", image: first, metadata: { req_key: "jimeng_ti2v_v30_pro" } }).ref).toEqual({ req_key: "jimeng_ti2v_v30_pro" });
  });

  it("turns duration into frames (24 per second + 1)", () => {
    expect(body({}).frames).toBe(121);
    expect(body({ duration: 5 }).frames).toBe(121);
    expect(body({ duration: 10 }).frames).toBe(241);
  });

  it("maps size to aspect_ratio for text-to-video only; metadata.aspect_ratio passes as given", () => {
    expect(body({ size: { width: 1080, height: 1920 } }).aspect_ratio).toBe("9:16");
    expect(body({ size: { width: 2176, height: 928 }, model: "jimeng_v30_pro" }).aspect_ratio).toBe("21:9");
    expect(body({ size: { width: 1080, height: 1920 }, image: first })).not.toHaveProperty("aspect_ratio");
    expect(body({ size: { width: 1080, height: 1920 }, metadata: { aspect_ratio: "1:1" } }).aspect_ratio).toBe("1:1");
  });

  it("passes seed (default -1, top-level over metadata) and other metadata through", () => {
    expect(body({}).seed).toBe(-1);
    expect(body({ seed: 42 }).seed).toBe(42);
    expect(body({ metadata: { seed: 7 } }).seed).toBe(7);
    expect(body({ seed: 42, metadata: { seed: 7 } }).seed).toBe(42);
    expect(body({ metadata: { req_json: "{}", camera_strength: "weak" } })).toMatchObject({ req_json: "{}", camera_strength: "weak" });
  });

  it("sends base64 frames raw in binary_data_base64, within 4.7 MB each", () => {
    const png = { kind: "base64", data: "iVBORw0KGgo=", mime: "image/png" } as const;
    expect(body({ image: png, metadata: { image_tail: "data:image/png;base64,AAAA" } })).toMatchObject({
      req_key: "jimeng_i2v_first_tail_v30",
      binary_data_base64: ["iVBORw0KGgo=", "AAAA"],
    });
    expect(body({ image: png })).not.toHaveProperty("image_urls");
    const big = "A".repeat(Math.ceil((4_700_001 * 4) / 3 / 4) * 4); // just over 4.7 MB decoded
    expect(body({ image: { ...png, data: big.slice(0, -8) } }).binary_data_base64).toHaveLength(1);
    expect(refusal({ image: { ...png, data: big } })).toMatchObject({ status: 400, param: "image", code: "image_too_large" });
    expect(refusal({ image: png, metadata: { image_tail: big } })).toMatchObject({ param: "metadata.image_tail", code: "image_too_large" });
    expect(refusal({ image: png, metadata: { image_tail: "https://x/last.png" } })).toMatchObject({ param: "metadata.image_tail" });
    expect(refusal({ image: png, metadata: { image_tail: 5 } })).toMatchObject({ param: "metadata.image_tail" });
    // The user's own list goes as is; only its size is checked.
    expect(body({ image: png, metadata: { binary_data_base64: ["AAAA"] } }).binary_data_base64).toEqual(["AAAA"]);
    expect(refusal({ image: png, metadata: { binary_data_base64: [big] } })).toMatchObject({ param: "metadata.binary_data_base64", code: "image_too_large" });
  });
});

describe("Jimeng answers", () => {
  const ok = (data: unknown) => ({ status: 200, body: { code: 10000, data, message: "Success", status: 10000, request_id: "r", time_elapsed: "57ms" } });
  const business = (code: number, http: number, message = "msg") => ({ status: http, body: { code, data: null, message, request_id: "r", status: code } });
  const gateway = (codeN: number | undefined, code: string, http: number) => ({
    status: http,
    body: {
      ResponseMetadata: {
        RequestId: "r",
        Action: "CVSync2AsyncGetResult",
        Version: "2022-08-31",
        Service: "cv",
        Region: "cn-north-1",
        Error: { CodeN: codeN, Code: code, Message: "m" },
      },
    },
  });
  const pin = (o: Outcome) => [o.kind, o.kind === "failed" ? o.error.code : null, o.kind === "failed" ? o.error.status : null];

  it("reads a submit answer", () => {
    expect(interpretJimengSubmit(ok({ task_id: "7392616336519610409" }))).toEqual({ kind: "accepted", upstreamId: "7392616336519610409" });
    expect(interpretJimengSubmit(ok(null))).toMatchObject({ kind: "transient" });
    expect(interpretJimengSubmit({ status: 502, body: "<html>" })).toMatchObject({ kind: "transient" });
    expect(interpretJimengSubmit({ status: 429, body: "<html>" })).toMatchObject({ kind: "busy" });
  });

  it.each([
    ["in_queue", {}, "pending", null, null],
    ["generating", {}, "pending", null, null],
    ["done", { video_url: "https://v.example/a.mp4" }, "succeeded", null, null],
    ["done", {}, "failed", "generation_failed", 502],
    ["done", { video_url: "" }, "failed", "generation_failed", 502],
    ["not_found", {}, "failed", "upstream_task_lost", 502],
    ["expired", {}, "failed", "upstream_task_lost", 502],
    ["cancelled", {}, "pending", null, null], // unknown: never success, polled until the deadline
  ])("poll status %s %j ends %s %s", (status, extra, kind, code, http) => {
    expect(pin(interpretJimengPoll(ok({ status, ...extra })))).toEqual([kind, code, http]);
  });

  it("reads the video URL and keeps the vendor status while pending", () => {
    expect(interpretJimengPoll(ok({ status: "done", video_url: "https://v/a.mp4", aigc_meta_tagged: true }))).toEqual({
      kind: "succeeded",
      videoUrl: "https://v/a.mp4",
    });
    expect(interpretJimengPoll(ok({ status: "generating" }))).toEqual({ kind: "pending", vendorStatus: "generating", running: true });
    expect(interpretJimengPoll(ok(null))).toMatchObject({ kind: "transient" });
  });

  it("ends a done task with a failure code as failed with the vendor's message", () => {
    const outcome = interpretJimengPoll({ status: 500, body: { code: 50500, data: { status: "done" }, message: "Internal Error" } });
    expect(outcome).toMatchObject({ kind: "failed", error: { code: "generation_failed", message: expect.stringContaining("Internal Error") } });
  });

  it.each([
    [50411, 400, "failed", "content_policy_violation", 400],
    [50412, 400, "failed", "content_policy_violation", 400],
    [50413, 400, "failed", "content_policy_violation", 400],
    [50511, 400, "failed", "content_policy_violation", 400],
    [50512, 400, "failed", "content_policy_violation", 400],
    [50516, 400, "failed", "content_policy_violation", 400],
    [50517, 400, "failed", "content_policy_violation", 400],
    [50518, 400, "failed", "content_policy_violation", 400],
    [50519, 400, "failed", "content_policy_violation", 400],
    [50520, 400, "failed", "content_policy_violation", 400],
    [50521, 400, "failed", "content_policy_violation", 400],
    [50522, 400, "failed", "content_policy_violation", 400],
    [50429, 429, "busy", null, null],
    [50430, 429, "busy", null, null],
    [50500, 500, "transient", null, null],
    [50501, 500, "transient", null, null],
    [50400, 401, "failed", "upstream_auth_failed", 502],
    [59999, 400, "failed", "vendor_rejected_request", 400], // not in the tables: by HTTP status
    [59999, 503, "transient", null, null],
  ])("business code %i (HTTP %i) ends %s %s on submit and on poll", (code, http, kind, errorCode, status) => {
    expect(pin(interpretJimengSubmit(business(code, http)))).toEqual([kind, errorCode, status]);
    expect(pin(interpretJimengPoll(business(code, http)))).toEqual([kind, errorCode, status]);
  });

  it("says whether a moderation failure may pass on a new submission", () => {
    const message = (code: number) => (interpretJimengPoll(business(code, 400, "Post Img Risk Not Pass")) as { error: { message: string } }).error.message;
    expect(message(50511)).toContain("submitting the request again may pass");
    expect(message(50519)).toContain("(code 50519)");
    expect(message(50411)).not.toContain("again may pass");
  });

  it.each([
    [100003, "MissingAuthenticationToken", 401, "failed", "upstream_auth_failed", 502],
    [100005, "MissingSignature", 401, "failed", "upstream_auth_failed", 502],
    [100006, "InvalidTimestamp", 400, "transient", null, null],
    [100009, "InvalidAccessKey", 401, "failed", "upstream_auth_failed", 502],
    [100010, "SignatureDoesNotMatch", 401, "failed", "upstream_auth_failed", 502],
    [100013, "AccessDenied", 403, "failed", "upstream_auth_failed", 502],
    [undefined, "SignatureDoesNotMatch", 401, "failed", "upstream_auth_failed", 502],
    [100018, "FlowLimitExceeded", 429, "busy", null, null],
  ])("gateway error %s %s (HTTP %i) ends %s %s on submit and on poll", (codeN, code, http, kind, errorCode, status) => {
    expect(pin(interpretJimengSubmit(gateway(codeN, code, http)))).toEqual([kind, errorCode, status]);
    expect(pin(interpretJimengPoll(gateway(codeN, code, http)))).toEqual([kind, errorCode, status]);
  });

  it("names the operator's variables on credential failures", () => {
    expect(interpretJimengSubmit(gateway(100010, "SignatureDoesNotMatch", 401))).toMatchObject({
      error: { message: expect.stringContaining("VOLC_ACCESS_KEY_ID and VOLC_SECRET_ACCESS_KEY") },
    });
  });
});
