// The model tables, told truthfully, from both sides:
// - every advertised model × duration × resolution, built the way the gateway builds it (the provider's pure `plan`,
//   then its `authorize`), is accepted by the simulator, which validates per model from tables of its own written
//   from the same references apart from src/ (a table that promises what the vendor refuses fails here);
// - GET /v1/models shows each model's limits and metadata, and what a model does not advertise is the gateway's own
//   400, naming the parameter, before any task (and so any vendor request) exists.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SIM_CREDENTIALS } from "../../simulator/credentials.ts";
import { InputError } from "../../src/lib/errors.ts";
import { ark } from "../../src/providers/ark/index.ts";
import { jimeng } from "../../src/providers/jimeng/index.ts";
import { kling } from "../../src/providers/kling/index.ts";
import type { AnyProvider, GenerationInput, ModelRow } from "../../src/providers/types.ts";
import { vidu } from "../../src/providers/vidu/index.ts";
import { apiJson } from "./helpers.ts";

type Json = Record<string, any>;
/** The simulator the Worker talks to (every *_BASE_URL points there, wherever TEST_SIM_PORT moved it). */
const SIM = (env as unknown as { KLING_BASE_URL: string }).KLING_BASE_URL;

const CREDENTIALS: Record<string, unknown> = {
  kling: { accessKey: SIM_CREDENTIALS.KLING_ACCESS_KEY, secretKey: SIM_CREDENTIALS.KLING_SECRET_KEY },
  vidu: { apiKey: SIM_CREDENTIALS.VIDU_API_KEY },
  jimeng: { accessKeyId: SIM_CREDENTIALS.VOLC_ACCESS_KEY_ID, secretAccessKey: SIM_CREDENTIALS.VOLC_SECRET_ACCESS_KEY },
  ark: { apiKey: SIM_CREDENTIALS.ARK_API_KEY },
};

const IMAGE = { kind: "url", url: "https://cdn.example/first.png" } as const;
const OTHER = "https://cdn.example/other.png";

/** The ways a request can use a model, tried in order: the first the gateway accepts for a combination is sent. */
const VARIANTS: [string, Partial<GenerationInput>][] = [
  ["text", {}],
  ["image", { image: IMAGE }],
  ["image + image_tail", { image: IMAGE, metadata: { image_tail: OTHER } }],
  ["Jimeng camera move", { image: IMAGE, metadata: { template_id: "handheld" } }],
  ["Vidu reference images", { metadata: { images: [OTHER] } }],
  ["Ark reference images", { metadata: { reference_images: [OTHER] } }],
  ["Kling omni reference images", { metadata: { image_list: [OTHER] } }],
  ["Kling omni reference video", { metadata: { video_list: [{ video_url: "https://cdn.example/ref.mp4", refer_type: "feature" }] } }],
];

/** A size whose short side is the resolution and whose ratio is the model's first (or 16:9). */
function sizeFor(resolution: string, ratios: string[]): { width: number; height: number } {
  const short = resolution === "4k" ? 2160 : Number.parseInt(resolution, 10);
  const [w, h] = (ratios[0] ?? "16:9").split(":").map(Number) as [number, number];
  return w >= h ? { width: Math.round((short * w) / h), height: short } : { width: short, height: Math.round((short * h) / w) };
}

async function send(provider: AnyProvider, row: ModelRow, input: GenerationInput) {
  const plan = provider.plan(input, row, { taskId: `vgt_${Math.random().toString(36).slice(2)}`, callbackUrl: `${SIM}/__sim/health`, createdMs: Date.now() });
  const url = SIM + plan.call.path;
  const bodyText = JSON.stringify(plan.call.body);
  const headers = { "content-type": "application/json", ...(await provider.authorize(CREDENTIALS[provider.vendor] as never, plan.call, url, bodyText)) };
  const res = await fetch(url, { method: plan.call.method, headers, body: bodyText });
  return { plan, outcome: provider.interpretSubmit({ status: res.status, body: await res.json() }) };
}

for (const provider of [kling, vidu, jimeng, ark] as AnyProvider[]) {
  describe(`${provider.name}: every advertised model × duration × resolution is accepted by the simulator`, () => {
    for (const row of provider.models as ModelRow[]) {
      it(row.spec.id, async () => {
        const { spec } = row;
        for (const duration of spec.durations) {
          for (const resolution of spec.resolutions) {
            const size = sizeFor(resolution, spec.aspect_ratios);
            let sent = false;
            for (const [name, variant] of VARIANTS) {
              const input: GenerationInput = { model: spec.id, prompt: "a red fox in the snow", duration, size, ...variant, metadata: { ...variant.metadata } };
              try {
                provider.plan(input, row, { taskId: "vgt_probe", callbackUrl: `${SIM}/__sim/health`, createdMs: Date.now() });
              } catch (err) {
                if (err instanceof InputError) continue; // the gateway's own 400: not this variant
                throw err;
              }
              const { plan, outcome } = await send(provider, row, input);
              expect(outcome, `${spec.id} ${duration}s ${resolution} (${name}): ${JSON.stringify(plan.call.body).slice(0, 300)}`).toMatchObject({
                kind: "accepted",
              });
              sent = true;
              break;
            }
            expect(sent, `${spec.id} ${duration}s ${resolution}: no request shape the gateway accepts`).toBe(true);
          }
        }
      });
    }
  });
}

/** One request shape the gateway must accept and the simulator too: the plan, sent as the Worker would send it. */
async function expectAccepted(provider: AnyProvider, input: GenerationInput, path?: string): Promise<void> {
  const row = (provider.models as ModelRow[]).find((r) => r.spec.id === input.model)!;
  const { plan, outcome } = await send(provider, row, input);
  if (path) expect(plan.call.path).toBe(path);
  expect(outcome, `${input.model}: ${JSON.stringify(plan.call.body).slice(0, 300)}`).toMatchObject({ kind: "accepted" });
}

const MOTION = { video_url: "https://cdn.example/dance.mp4", character_orientation: "image" };

describe("request shapes beyond duration × resolution are accepted by the simulator", () => {
  it("Kling motion control (kling-v2-6, kling-v3; std and pro; both orientations) goes to /v1/videos/motion-control", async () => {
    for (const model of ["kling-v2-6", "kling-v3"]) {
      for (const mode of ["std", "pro"]) {
        for (const character_orientation of ["image", "video"]) {
          const metadata = { ...MOTION, character_orientation, mode, keep_original_sound: "no" };
          await expectAccepted(kling, { model, prompt: "she dances", image: IMAGE, metadata }, "/v1/videos/motion-control");
        }
      }
    }
  });

  it("Kling motion brush (kling-v1 std/pro, kling-v1-5 pro, at 5 s) and kling-v3-omni sound", async () => {
    const dynamic_masks = [
      {
        mask: OTHER,
        trajectories: [
          { x: 1, y: 1 },
          { x: 20, y: 30 },
        ],
      },
    ];
    for (const [model, mode] of [
      ["kling-v1", "std"],
      ["kling-v1", "pro"],
      ["kling-v1-5", "pro"],
    ] as const) {
      await expectAccepted(
        kling,
        { model, prompt: "a fox", duration: 5, image: IMAGE, metadata: { mode, static_mask: OTHER, dynamic_masks } },
        "/v1/videos/image2video",
      );
    }
    await expectAccepted(kling, { model: "kling-v3-omni", prompt: "a fox barks", metadata: { sound: "on" } }, "/v1/videos/omni-video");
  });

  it("Vidu subjects (reference-to-video without images) and viduq2-pro-fast start-end frames", async () => {
    const subjects = [
      { id: "fox", images: [OTHER, OTHER, OTHER], voice_id: "professional_host" },
      { id: "owl", images: [OTHER] },
    ];
    await expectAccepted(vidu, { model: "viduq2", prompt: "@fox meets @owl", metadata: { subjects } }, "/ent/v2/reference2video");
    await expectAccepted(vidu, { model: "viduq2-pro-fast", prompt: "", duration: 8, image: IMAGE, metadata: { image_tail: OTHER, resolution: "1080p" } });
  });
});

/** A 400 from validation comes before any task exists, and a vendor is only ever called for a task. */
async function expectNoTask(): Promise<void> {
  const { body } = await apiJson("/v1/video/generations?limit=1", { key: "gamma" });
  expect(body.data).toEqual([]);
}

async function models(): Promise<Json[]> {
  const { status, body } = await apiJson("/v1/models");
  expect(status).toBe(200);
  return body.data;
}

/** An integer duration the model does not list: one past its longest. */
const unadvertised = (durations: number[]) => Math.max(...durations) + 1;

describe("GET /v1/models", () => {
  it("lists the Seedance models of Ark with their limits and metadata fields", async () => {
    const data = await models();
    const seedance = data.find((m) => m.id === "doubao-seedance-2-0-260128");
    expect(seedance).toMatchObject({
      owned_by: "ark",
      durations: [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      fps: 24,
      resolutions: ["480p", "720p", "1080p"],
      inputs: ["text", "image", "image_tail", "reference_images"],
      metadata: { generate_audio: expect.any(String), reference_images: expect.any(String), ratio: expect.any(String) },
    });
    expect(data.find((m) => m.id === "doubao-seedance-2-0-fast-260128")!.resolutions).toEqual(["480p", "720p"]);
    // Kling 2.6 is 5 or 10 s; v1 renders 30 fps; v2-master 720p only; Vidu Q3 says it makes audio.
    expect(data.find((m) => m.id === "kling-v3")).toMatchObject({
      inputs: expect.arrayContaining(["video_url"]),
      metadata: { character_orientation: expect.any(String) },
    });
    expect(data.find((m) => m.id === "kling-v1")!.metadata).toHaveProperty("dynamic_masks");
    expect(data.find((m) => m.id === "kling-v3-omni")!.metadata).toHaveProperty("sound");
    expect(data.find((m) => m.id === "viduq2-pro-fast")).toMatchObject({ durations: [1, 2, 3, 4, 5, 6, 7, 8], resolutions: ["720p", "1080p"] });
    expect(data.find((m) => m.id === "kling-v2-6")).toMatchObject({ durations: [5, 10], metadata: { sound: expect.stringMatching(/pro mode only/) } });
    expect(data.find((m) => m.id === "kling-v1")).toMatchObject({ fps: 30, resolutions: ["720p"] });
    expect(data.find((m) => m.id === "kling-v2-master")!.resolutions).toEqual(["720p"]);
    expect(data.find((m) => m.id === "viduq3-pro")!.metadata).toHaveProperty("audio");
    expect(data.find((m) => m.id === "viduq3")!.metadata).toHaveProperty("subjects");
    expect(data.find((m) => m.id === "jimeng_i2v_recamera_v30")!.metadata).toHaveProperty("template_id");
    for (const m of data) expect(Object.keys(m.metadata).length, m.id).toBeGreaterThan(0);
  });

  it("turns one unadvertised duration per model into the gateway's own 400, without a vendor request", async () => {
    const data = await models();
    for (const m of data) {
      const duration = unadvertised(m.durations);
      const { status, body } = await apiJson("/v1/video/generations", { method: "POST", key: "gamma", json: { model: m.id, prompt: "a fox", duration } });
      expect(status, `${m.id} duration ${duration}`).toBe(400);
      expect(body, m.id).toMatchObject({ param: "duration", type: "invalid_request_error" });
    }
    await expectNoTask();
  });

  it("turns an unadvertised resolution or mode into a 400 naming the metadata field", async () => {
    const cases: [string, Json, string][] = [
      ["doubao-seedance-2-0-fast-260128", { resolution: "1080p" }, "metadata.resolution"],
      ["doubao-seedance-1-0-lite-t2v-250428", { ratio: "adaptive" }, "metadata.ratio"],
      ["doubao-seedance-1-0-pro-250528", { generate_audio: true }, "metadata.generate_audio"],
      ["viduq3-pro", { resolution: "360p" }, "metadata.resolution"],
      ["viduq3-pro", { bgm: true }, "metadata.bgm"],
      ["viduq2", { audio: true }, "metadata.audio"],
      ["kling-v2-6", { sound: "on", mode: "std" }, "metadata.sound"],
      ["kling-v2-master", { image_tail: "https://cdn.example/b.png" }, "metadata.image_tail"],
      ["kling-v1", { multi_shot: true, shot_type: "intelligence" }, "metadata.multi_shot"],
      ["kling-v3", { watermark_info: { enabled: "yes" } }, "metadata.watermark_info"],
      // Motion control: only kling-v2-6 and kling-v3 take it; its fields are checked, duration is the video's.
      ["kling-v1", { ...MOTION }, "model"],
      ["kling-v2-6", { video_url: "https://cdn.example/dance.mp4" }, "metadata.character_orientation"],
      ["kling-v3", { ...MOTION, character_orientation: "sideways" }, "metadata.character_orientation"],
      ["kling-v3", { ...MOTION, keep_original_sound: true }, "metadata.keep_original_sound"],
      ["kling-v3", { ...MOTION, video_url: "dance.mp4" }, "metadata.video_url"],
      ["kling-v3", { ...MOTION, sound: "on" }, "metadata.sound"],
      // Motion brush: kling-v1 and kling-v1-5 only, in their modes.
      ["kling-v2-6", { static_mask: "https://cdn.example/m.png" }, "metadata.static_mask"],
      ["kling-v1-5", { static_mask: "https://cdn.example/m.png", mode: "std" }, "metadata.static_mask"],
      ["kling-v1", { dynamic_masks: [{ mask: "https://cdn.example/m.png", trajectories: [{ x: 1, y: 1 }] }] }, "metadata.dynamic_masks[0].trajectories"],
      // kling-v3-omni's sound is off with a reference video; kling-video-o1 has none.
      ["kling-v3-omni", { sound: "on", video_list: [{ video_url: "https://cdn.example/r.mp4", refer_type: "feature" }] }, "metadata.sound"],
      ["kling-video-o1", { sound: "on" }, "metadata.sound"],
      ["viduq2-pro-fast", { resolution: "540p" }, "metadata.resolution"],
      [
        "viduq2",
        { subjects: [1, 2, 3].map((n) => ({ id: `s${n}`, images: ["https://cdn.example/a.png", "https://cdn.example/b.png", "https://cdn.example/c.png"] })) },
        "metadata.subjects",
      ],
      ["viduq3-pro", { audio_type: 3 }, "metadata.audio_type"],
    ];
    for (const [model, metadata, param] of cases) {
      const needsImage =
        ["image_tail", "video_url", "character_orientation", "static_mask", "dynamic_masks"].some((f) => f in metadata) || model === "viduq2-pro-fast";
      const image = needsImage ? { image: "https://cdn.example/a.png" } : {};
      const { status, body } = await apiJson("/v1/video/generations", { method: "POST", key: "gamma", json: { model, prompt: "a fox", ...image, metadata } });
      expect(status, `${model} ${JSON.stringify(metadata)}`).toBe(400);
      expect(body.param, model).toBe(param);
    }
    await expectNoTask();
  });

  it("refuses an image that is neither a URL, a data URI nor base64 as a 400 naming image, for every vendor", async () => {
    for (const model of ["kling-v1", "viduq1", "jimeng_v30", "doubao-seedance-1-5-pro-251215"]) {
      const { status, body } = await apiJson("/v1/video/generations", {
        method: "POST",
        key: "gamma",
        json: { model, prompt: "a fox", image: "not an image!" },
      });
      expect(status, model).toBe(400);
      expect(body, model).toMatchObject({ param: "image", type: "invalid_request_error" });
    }
    await expectNoTask();
  });
});
