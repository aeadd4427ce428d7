import type { ModelRow } from "../types.ts";

/** Vidu's create endpoints (`POST /ent/v2/<endpoint>`); each model takes only some of them. */
export type ViduEndpoint = "text2video" | "img2video" | "start-end2video" | "reference2video";

export interface ViduLimits {
  durations: number[];
  resolutions: string[];
}

/** The Vidu-only rules behind a model's public spec (GET /v1/models shows none of them). */
export interface ViduRules {
  endpoints: ViduEndpoint[];
  /** Narrower resolutions at one duration: vidu1.5 and vidu2.0 render 8 s at 720p only. */
  resolutionsAt?: Record<number, string[]>;
  /** Narrower limits on one endpoint: vidu2.0 reference-to-video is 4 s at 360p/720p. */
  endpointLimits?: Partial<Record<ViduEndpoint, ViduLimits>>;
  /** Q3 makes audio (`audio`, default true; `voice_id`, `audio_type`) and takes no `bgm`. */
  audio?: boolean;
  /** Without a resolution Vidu renders the lowest the duration takes (vidu1.5, vidu2.0: 360p at 4 s), else 720p. */
  lowestByDefault?: boolean;
}

/** Vidu sets the aspect ratio only on these; image-based endpoints take it from the image. */
export const TAKES_ASPECT_RATIO: readonly ViduEndpoint[] = ["text2video", "reference2video"];

const INPUT_OF: Record<ViduEndpoint, string> = {
  text2video: "text",
  img2video: "image",
  "start-end2video": "image_tail",
  reference2video: "images",
};

const RATIOS = ["16:9", "9:16", "1:1"];
const RATIOS_Q = [...RATIOS, "3:4", "4:3"]; // 3:4 and 4:3 are q2/q3 only
const LEGACY_RES = ["360p", "720p", "1080p"];
const Q_RES = ["540p", "720p", "1080p"];
const seconds = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function vidu(
  id: string,
  endpoints: ViduEndpoint[],
  limits: ViduLimits & { default_duration: number; aspect_ratios: string[] },
  rules: Pick<ViduRules, "resolutionsAt" | "endpointLimits" | "audio" | "lowestByDefault"> = {},
): ModelRow<ViduRules> {
  const ratios = endpoints.some((e) => TAKES_ASPECT_RATIO.includes(e)) ? limits.aspect_ratios : [];
  const fields: Record<string, string> = {
    resolution: `${limits.resolutions.join(", ")} (else from size)`,
    duration: "overrides duration (same values)",
    movement_amplitude: "auto, small, medium or large (ignored by q2/q3)",
    off_peak: "boolean: run off-peak (cheaper, done within 48 h)",
    watermark: "boolean: add Vidu's watermark",
    payload: "string echoed back by Vidu",
    seed: "integer, 0 = random",
  };
  if (ratios.length) fields.aspect_ratio = `${ratios.join(", ")} (text and reference videos; else from size)`;
  if (endpoints.includes("text2video")) fields.style = "general or anime (text-to-video; ignored by q2/q3)";
  if (endpoints.includes("start-end2video")) fields.image_tail = "the end frame (URL, data URI or base64), with image as the start";
  if (endpoints.includes("reference2video")) {
    fields.images = "1 to 7 reference images (reference-to-video)";
    // Shape per Vidu's reference-to-video page (audio-video variant, platform.vidu.cn/docs/reference-to-video, as copied in
    // ZeoXel/SUNSTUDIO docs/vidu.md and restated by docs.jiekou.ai "VIDU Q2 参考生视频"): 1–7 subjects, each
    // {id (cited as @id), images: at most 3, voice_id optional}, and 1–7 images in all.
    fields.subjects =
      '[{"id", "images": [<1 to 3 images>], "voice_id"}], 1 to 7 images in all: named subjects to cite in the prompt as @id (reference-to-video)';
  }
  if (rules.audio) {
    fields.audio = "boolean: generate audio with the video (Vidu's default true for Q3, which changes its price)";
    fields.voice_id = "voice of the generated speech, with audio";
    // NOT VERIFIED: no copy of Vidu's page found lists audio_type's values; one third-party client (a Vidu generator
    // in a public repo, VIDU_AUDIO_TYPES) sends "all", "speech_only" or "sound_effect_only". Only its type is checked.
    fields.audio_type = 'kind of audio, with audio: a string (e.g. "all", "speech_only", "sound_effect_only"; passed to Vidu as given)';
  } else fields.bgm = "boolean: add background music";
  return {
    spec: {
      id,
      vendor: "vidu",
      durations: limits.durations,
      default_duration: limits.default_duration,
      // The reference states no frame rate: 24 is assumed (task metadata reports the rate read from the MP4).
      fps: 24,
      aspect_ratios: ratios,
      resolutions: limits.resolutions,
      inputs: endpoints.map((e) => INPUT_OF[e]),
      seed: true,
      // Doc revisions say 1500, 2000 or 5000; 2000 is what current pages of every model accept.
      prompt_max: 2000,
      metadata: fields,
    },
    rules: { endpoints, ...rules },
  };
}

const Q1 = { durations: [5], default_duration: 5, resolutions: ["1080p"], aspect_ratios: RATIOS };
const LEGACY = { durations: [4, 8], default_duration: 4, resolutions: LEGACY_RES, aspect_ratios: RATIOS };
const EIGHT_SECONDS_720P = { 8: ["720p"] };
const Q2 = { durations: seconds(1, 10), default_duration: 5, resolutions: Q_RES, aspect_ratios: RATIOS_Q };
const Q3 = { durations: seconds(1, 16), default_duration: 5, resolutions: Q_RES, aspect_ratios: RATIOS_Q };
/**
 * viduq2-pro-fast: no copy of Vidu's own page naming it was found. Third-party restatements agree on image-to-video and
 * start-end-to-video (ComfyUI's Vidu API nodes, Comfy-Org embedded-docs ViduImageToVideoNode / ViduStartEndToVideoNode),
 * 720p or 1080p, default 720p, no 540p (shortapi.ai "540p is not supported in pro-fast mode", wavespeed.ai, vtrix.ai,
 * jiekou.ai). Durations disagree: 1–8 s (wavespeed.ai image-to-video and start-end, vtrix.ai) or 1–10 s (novita.ai,
 * shortapi.ai): only 1–8, which every source accepts, is advertised; 9 and 10 s are NOT VERIFIED.
 */
const Q2_PRO_FAST = { durations: seconds(1, 8), default_duration: 5, resolutions: ["720p", "1080p"], aspect_ratios: RATIOS_Q };
/** Q3 makes audio by default ("audio" default true, "Only supported by Q3 models"); bgm is refused by q3. */
const AUDIO = { audio: true };

/**
 * Per the Vidu API reference (vendor-protocols.md §3.3, platform.vidu.com/docs text-to-video, image-to-video,
 * start-end-to-video, reference-to-video; union of its revisions): which endpoints take which model, and their limits.
 * The Q3 rows (1–16 s, 540p/720p/1080p, 3:4 and 4:3, `audio` default true, no bgm) were checked against copies of
 * Vidu's text-to-video page for viduq3-pro/viduq3-turbo (docs.powertokens.ai "viduq3-turbo", novita.ai
 * "Vidu Q3 Pro/Turbo Text-to-Video", both restating Vidu's fields and defaults).
 */
export const VIDU_MODELS: ModelRow<ViduRules>[] = [
  vidu("viduq1", ["text2video", "img2video", "start-end2video", "reference2video"], Q1),
  // viduq1-classic is a start-end2video model only: no revision of img2video lists it (§3.3).
  vidu("viduq1-classic", ["start-end2video"], Q1),
  // vidu2.0 renders 4 s at 360p/720p (1080p is vidu1.5's alone) and 8 s at 720p.
  vidu(
    "vidu2.0",
    ["img2video", "start-end2video", "reference2video"],
    { ...LEGACY, resolutions: ["360p", "720p"] },
    {
      resolutionsAt: EIGHT_SECONDS_720P,
      endpointLimits: { reference2video: { durations: [4], resolutions: ["360p", "720p"] } },
      lowestByDefault: true,
    },
  ),
  vidu("vidu1.5", ["text2video", "img2video", "start-end2video"], LEGACY, { resolutionsAt: EIGHT_SECONDS_720P, lowestByDefault: true }),
  vidu("viduq2", ["text2video", "reference2video"], Q2),
  vidu("viduq2-pro", ["img2video", "start-end2video", "reference2video"], Q2),
  vidu("viduq2-turbo", ["img2video", "start-end2video"], Q2),
  vidu("viduq2-pro-fast", ["img2video", "start-end2video"], Q2_PRO_FAST),
  vidu("viduq3-pro", ["text2video", "img2video", "start-end2video"], Q3, AUDIO),
  vidu("viduq3-turbo", ["text2video", "img2video", "start-end2video"], Q3, AUDIO),
  vidu("viduq3-mix", ["reference2video"], { ...Q3, resolutions: ["720p", "1080p"] }, AUDIO),
  vidu("viduq3", ["reference2video"], Q3, AUDIO),
];

/** The durations and resolutions one model takes on one endpoint, at the duration asked for. */
export function limitsFor(model: ModelRow<ViduRules>, endpoint: ViduEndpoint, duration: number): ViduLimits {
  const base = model.rules.endpointLimits?.[endpoint] ?? model.spec;
  return { durations: base.durations, resolutions: model.rules.resolutionsAt?.[duration] ?? base.resolutions };
}
