import type { ModelRow } from "../types.ts";

/**
 * Seedance through Volcengine Ark's content-generation task API. Every row is checked against
 * /work/shared/reference/ark-seedance.md §3–§4, which cites: [BP] BytePlus ModelArk "Creating a video generation task"
 * (docs.byteplus.com/en/docs/ModelArk/1520757) for the 1.x capability table and field ranges; [CLI]
 * volcengine/ark-cli `skills/arkcli-models/references/arkcli-models-scenario-table.md` and `arkcli-gen.md` for the
 * 2.0 ids and `priority`; [S1] third-party notes quoting Volcengine docs 1520757/2298881 for the 2.x rows (the only
 * source for them, consistent with new-api's constants.go). The field names and the content item shape were read in
 * the official Python SDK (volcengine/volcengine-python-sdk `volcenginesdkarkruntime`).
 */

/** Ark's ways of using images; they are mutually exclusive in one request [BP]. */
export type ArkScenario = "text" | "first_frame" | "first_last_frame" | "reference_images";

export interface ArkRules {
  scenarios: ArkScenario[];
  /** How many reference images the model takes (when it takes any). */
  maxReferenceImages: number;
  /** Resolutions refused with reference images (1.0 lite i2v: no 1080p) [BP]. */
  referenceResolutions?: string[];
  /** `generate_audio` (1.5 pro and 2.x) [BP; S1]. */
  audio: boolean;
  /** `camera_fixed` (1.0 and 1.5 only, never with reference images) [BP; S1]. */
  cameraFixed: boolean;
  /** `service_tier` flex (offline, half price): not on 2.x [S1]. */
  flex: boolean;
  /** `priority` [0, 9]: 2.x only [CLI: "1.5-pro 不支持"]. */
  priority: boolean;
  /** Where `ratio: "adaptive"` is taken: not for 1.0 text-to-video nor 1.0 reference images [BP]. */
  adaptive: ArkScenario[];
  /** What Ark renders without a `resolution`: 1080p for 1.0 pro and pro fast, 720p for the rest (ark-seedance.md §4). */
  defaultResolution: string;
}

/** Ark's `ratio` values [BP]; `adaptive` (the image's ratio, or the model's pick) is metadata only. */
const RATIOS = ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9"];
const seconds = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const INPUT_OF: Record<ArkScenario, string[]> = {
  text: ["text"],
  first_frame: ["image"],
  first_last_frame: ["image", "image_tail"],
  reference_images: ["reference_images"],
};

function metadataFields(rules: ArkRules, resolutions: string[]): Record<string, string> {
  const fields: Record<string, string> = {
    resolution: `output resolution, one of ${resolutions.join(", ")} (else from size, else Ark's default)`,
    ratio: `Ark's ratio: ${RATIOS.join(", ")}${rules.adaptive.length ? ', or "adaptive"' : ""} (else from size)`,
    watermark: "boolean: add Ark's watermark (default false)",
    return_last_frame: "boolean: also produce the last frame as an image (Ark's content.last_frame_url)",
    execution_expires_after: "integer seconds in [3600, 259200]: Ark expires a task not finished by then (default 172800)",
  };
  if (rules.scenarios.includes("reference_images")) {
    fields.reference_images = `1 to ${rules.maxReferenceImages} reference images (URLs, data URIs or base64); not with image or image_tail`;
  }
  if (rules.scenarios.includes("first_last_frame")) {
    fields.image_tail = "the last frame (URL, data URI or base64), with image as the first frame";
  }
  if (rules.audio) fields.generate_audio = "boolean: generate an audio track with the video (Ark's default true)";
  if (rules.cameraFixed) fields.camera_fixed = "boolean: keep the camera still (not with reference images)";
  if (rules.flex) fields.service_tier = '"default" (online) or "flex" (offline, slower, cheaper)';
  if (rules.priority) fields.priority = "integer 0-9: the task's priority in the account's queue";
  return fields;
}

function ark(
  id: string,
  limits: { durations: number[]; resolutions: string[]; seed: boolean },
  rules: Omit<ArkRules, "maxReferenceImages" | "adaptive" | "defaultResolution"> &
    Partial<Pick<ArkRules, "maxReferenceImages" | "adaptive" | "defaultResolution">>,
): ModelRow<ArkRules> {
  const full: ArkRules = {
    maxReferenceImages: 0,
    adaptive: rules.scenarios.filter((s) => s !== "reference_images"),
    defaultResolution: "720p",
    ...rules,
  };
  return {
    spec: {
      id,
      vendor: "ark",
      durations: limits.durations,
      // Ark's default duration is 5 s [BP], inside every model's range.
      default_duration: 5,
      // The only `framepersecond` value is 24 [BP].
      fps: 24,
      aspect_ratios: RATIOS,
      resolutions: limits.resolutions,
      inputs: [...new Set(full.scenarios.flatMap((s) => INPUT_OF[s]))],
      seed: limits.seed,
      // Ark documents only recommendations (≤ 500 Chinese characters or ≤ 1000 English words) [S2]; 2000 characters
      // stays well inside both the 1000-word advice and the 64 MB body limit.
      prompt_max: 2000,
      metadata: metadataFields(full, limits.resolutions),
    },
    rules: full,
  };
}

const RES = ["480p", "720p", "1080p"];
const ONE_ZERO = { durations: seconds(2, 12), resolutions: RES, seed: true };
const V1 = { audio: false, cameraFixed: true, flex: true, priority: false };
// 2.x: [4, 15] s [S1]; whether 2.x honours `seed` the docs disagree [S1], so the gateway promises none. 4k on 2.0 is
// S1's alone (no official page or SDK states it): not offered until a primary source does.
const V2 = { audio: true, cameraFixed: false, flex: false, priority: true };

export const ARK_MODELS: ModelRow<ArkRules>[] = [
  // [BP] capability table: t2v, first frame, first+last frame; 480/720/1080p; [2, 12] s; adaptive not for t2v.
  ark("doubao-seedance-1-0-pro-250528", ONE_ZERO, {
    scenarios: ["text", "first_frame", "first_last_frame"],
    adaptive: ["first_frame", "first_last_frame"],
    defaultResolution: "1080p",
    ...V1,
  }),
  // [BP] 1.0 pro fast: t2v and first frame only (no first+last frame).
  ark("doubao-seedance-1-0-pro-fast-251015", ONE_ZERO, {
    scenarios: ["text", "first_frame"],
    adaptive: ["first_frame"],
    defaultResolution: "1080p",
    ...V1,
  }),
  // [BP] 1.0 lite t2v: text only; no adaptive.
  ark("doubao-seedance-1-0-lite-t2v-250428", ONE_ZERO, { scenarios: ["text"], adaptive: [], ...V1 }),
  // [BP] 1.0 lite i2v: first frame, first+last, 1–4 reference images (no 1080p and no adaptive with references).
  ark("doubao-seedance-1-0-lite-i2v-250428", ONE_ZERO, {
    scenarios: ["first_frame", "first_last_frame", "reference_images"],
    maxReferenceImages: 4,
    referenceResolutions: ["480p", "720p"],
    adaptive: ["first_frame", "first_last_frame"],
    ...V1,
  }),
  // [BP] 1.5 pro: t2v, first, first+last; [4, 12] s; generate_audio; adaptive everywhere; flex; no priority [CLI].
  ark(
    "doubao-seedance-1-5-pro-251215",
    { durations: seconds(4, 12), resolutions: RES, seed: true },
    { scenarios: ["text", "first_frame", "first_last_frame"], ...V1, audio: true },
  ),
  // [CLI] id; [S1] t2v, first, first+last, ≤ 9 reference images; 480/720/1080p; [4, 15] s; audio; priority.
  ark(
    "doubao-seedance-2-0-260128",
    { durations: seconds(4, 15), resolutions: RES, seed: false },
    { scenarios: ["text", "first_frame", "first_last_frame", "reference_images"], maxReferenceImages: 9, ...V2 },
  ),
  // [CLI] id; [S1, new-api constants.go "1080p: 暂不支持"] as 2.0 but 480p/720p only.
  ark(
    "doubao-seedance-2-0-fast-260128",
    { durations: seconds(4, 15), resolutions: ["480p", "720p"], seed: false },
    { scenarios: ["text", "first_frame", "first_last_frame", "reference_images"], maxReferenceImages: 9, ...V2 },
  ),
];
