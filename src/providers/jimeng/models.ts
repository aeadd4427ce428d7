import type { ModelRow } from "../types.ts";

/** How many images (first frame, then tail frame) each documented req_key takes, and whether it needs a prompt. */
interface ReqKeySpec {
  images: number[];
  resolution: "720p" | "1080p";
  promptRequired: boolean;
}

export const REQ_KEYS: Record<string, ReqKeySpec> = {
  jimeng_t2v_v30: { images: [0], resolution: "720p", promptRequired: true },
  jimeng_i2v_first_v30: { images: [1], resolution: "720p", promptRequired: true },
  jimeng_i2v_first_tail_v30: { images: [2], resolution: "720p", promptRequired: true },
  jimeng_i2v_recamera_v30: { images: [1], resolution: "720p", promptRequired: true },
  jimeng_t2v_v30_1080p: { images: [0], resolution: "1080p", promptRequired: true },
  // The 1080P image keys have no trailing "p" (J-doc).
  jimeng_i2v_first_v30_1080: { images: [1], resolution: "1080p", promptRequired: true },
  jimeng_i2v_first_tail_v30_1080: { images: [2], resolution: "1080p", promptRequired: true },
  // 3.0 Pro takes a prompt, a first frame, or both.
  jimeng_ti2v_v30_pro: { images: [0, 1], resolution: "1080p", promptRequired: false },
  // S2.0 Pro: fields known from community code only; its resolution and prompt rule are undocumented.
  jimeng_vgfm_t2v_l20: { images: [0], resolution: "720p", promptRequired: true },
  jimeng_vgfm_i2v_l20: { images: [1], resolution: "720p", promptRequired: false },
};

/** Friendly names: the req_key by number of images (0 → text, 1 → first frame, 2 → first + tail). */
const FRIENDLY: Record<string, string[]> = {
  jimeng_v30: ["jimeng_t2v_v30", "jimeng_i2v_first_v30", "jimeng_i2v_first_tail_v30"],
  jimeng_v30_1080p: ["jimeng_t2v_v30_1080p", "jimeng_i2v_first_v30_1080", "jimeng_i2v_first_tail_v30_1080"],
  jimeng_v30_pro: ["jimeng_ti2v_v30_pro", "jimeng_ti2v_v30_pro"],
};

/** Which req_key a model means for each number of images (0 → text, 1 → first frame, 2 → first + tail). */
export interface JimengRules {
  reqKeyByImages: (string | undefined)[];
}

/** Text-to-video takes one of these; image-to-video center-crops the image to the nearest of them. */
export const JIMENG_ASPECT_RATIOS = ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9"];

const RECAMERA = "jimeng_i2v_recamera_v30";

/** The metadata a model's req_keys take (J-doc §2.3, vendor-protocols.md). */
function jimengMetadata(keys: string[]): Record<string, string> {
  const fields: Record<string, string> = {
    req_key: `override the req_key: ${Object.keys(REQ_KEYS).join(", ")} (it must fit the request's images)`,
    aspect_ratio: `${JIMENG_ASPECT_RATIOS.join(", ")} (text-to-video; image-to-video crops to the nearest)`,
    image_urls: "1 or 2 image URLs (first frame, then last frame) instead of image",
    binary_data_base64: "1 or 2 raw base64 images instead of image (each at most 4.7 MB)",
    seed: "integer, -1 = random",
  };
  if (keys.some((k) => REQ_KEYS[k]!.images.includes(2))) fields.image_tail = "the last frame, with image as the first";
  if (keys.includes(RECAMERA)) {
    fields.template_id = "required camera move of jimeng_i2v_recamera_v30, e.g. hitchcock_dolly_in, robo_arm, handheld";
    fields.camera_strength = "weak, medium or strong";
  }
  return fields;
}

function jimeng(id: string): ModelRow<JimengRules> {
  const reqKeyByImages = FRIENDLY[id] ?? [0, 1, 2].map((n) => (REQ_KEYS[id]!.images.includes(n) ? id : undefined));
  const counts = [0, 1, 2].filter((n) => reqKeyByImages[n]);
  const keys = [...new Set(reqKeyByImages.filter((k) => k !== undefined))];
  const spec = {
    id,
    vendor: "jimeng" as const,
    durations: [5, 10],
    default_duration: 5,
    fps: 24,
    aspect_ratios: JIMENG_ASPECT_RATIOS,
    resolutions: [...new Set(keys.map((k) => REQ_KEYS[k]!.resolution))],
    inputs: [...(counts.includes(0) ? ["text"] : []), ...(counts.some((n) => n > 0) ? ["image"] : []), ...(counts.includes(2) ? ["image_tail"] : [])],
    seed: true,
    prompt_max: 800,
    metadata: jimengMetadata(keys),
  };
  return { spec, rules: { reqKeyByImages } };
}

export const JIMENG_MODELS: ModelRow<JimengRules>[] = [...Object.keys(REQ_KEYS), ...Object.keys(FRIENDLY)].map(jimeng);
