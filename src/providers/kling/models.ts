import type { ModelRow } from "../types.ts";

/**
 * Kling's model table. Sources, named per row below:
 * [K-doc] Kling API reference (vendor-protocols.md §1.4: which families take which model_name).
 * [CAP] Kling's "能力地图" (capability map), Chinese copy of the official page in WHQ25/rawgenai
 *   docs/research/kling/capability-map.md @ b3f9cef: per model and mode the resolution, frame rate, durations, and
 *   which modes do first+last frame and sound.
 * [O1] Kling "Omni-Video (O1)" reference, same copy, docs/research/kling/omni-video-o1.md: `/v1/videos/omni-video`,
 *   image_list {image_url, type first_frame|end_frame}, video_list, durations 3–10 (5/10 for text and first frame
 *   alone), output 24 fps.
 * [V3O] kling-v3-omni as Comfy Router documents Kling's fields (docs.comfy.org …/kling/kling-v3-omni): durations 3–15,
 *   std = 720P, pro = 1080P, multi_shot / multi_prompt. Third party; no official copy of the v3 pages was found.
 * [V3] kling-v3 on text2video/image2video: 3–15 s (K-doc: "3…15 in current docs"), multi_shot, sound on/off in std and
 *   pro (restated by mulerouter.ai's kling-v3 text/image-to-video pages); std/pro resolutions as [V3O].
 * [MC] Kling "Motion Control" reference: `/v1/videos/motion-control` (CN copy rawgenai docs/research/kling/motion-control.md;
 *   the English page's sections as scraped in "apiReference_model__motionControl_sections.json": model_name optional,
 *   default kling-v2-6, enum kling-v2-6 | kling-v3). Fields: image_url and video_url required, character_orientation
 *   (image | video) and mode (std | pro) required, keep_original_sound yes | no, prompt ≤2500, watermark_info; no
 *   duration: the output follows the reference video, 3–10 s with orientation image, 3–30 s with video. [CAP] lists
 *   motion control for v2.6 in std and pro at "other durations".
 * [BRUSH] Motion brush (image2video `static_mask` / `dynamic_masks`, K-doc §1.4: ≤6 groups of {mask, trajectories of
 *   2–77 integer points}; exclusive with image_tail and camera_control): [CAP] "运动笔刷" for kling-v1 in std and pro at
 *   5 s and for kling-v1-5 in pro at 5 s only; no other model lists it.
 * [V3S] Kling AI Series 3.0 Model API Specification (docs.qingque.cn copy, scraped as qingque_direct_snippets_20260329):
 *   on the Omni endpoint "when there is a reference video, the value of the sound parameter can only be off", and a
 *   reference video's "output result is 24 fps". Which Omni models take `sound`: kling-v3-omni (restated by
 *   doc.ezmodel.cloud "Kling Omni Video", docs.anyfast.ai and modelstream.ai, which links kling.ai/document-api/
 *   apiReference/model/OmniVideo); kling-video-o1 makes no native audio (same tables).
 *
 * Facts no stored official page states, kept as assumptions and said so in their rows: kling-v3's frame rate (24)
 * and kling-v2-5-turbo's std resolution (720p).
 */

/** Kling's endpoint families: a task is only visible under the family that created it. */
export type KlingFamily = "text2video" | "image2video" | "multi-image2video" | "omni-video" | "motion-control";
export type KlingMode = "std" | "pro";

export interface KlingRules {
  families: KlingFamily[];
  /** The resolution each `mode` renders ([CAP]); a mode absent here is refused. */
  modes: Partial<Record<KlingMode, string>>;
  /** Text-only and first-frame-only requests take only these on the Omni endpoint ([O1] FAQ 1). */
  basicDurations?: number[];
  /** `sound: "on"`: "pro" = only in pro mode (v2.6, [CAP]); "any" = either mode. */
  sound?: "pro" | "any";
  /** First + last frame (image_tail): the modes and durations that do it ([CAP]); absent = not at all. */
  tail?: { modes: KlingMode[]; durations?: number[]; silent?: boolean };
  /** `multi_shot` / `shot_type` / `multi_prompt`. */
  multiShot?: boolean;
  /** Motion brush (`static_mask` / `dynamic_masks` on image2video): the modes and durations that do it ([BRUSH]). */
  brush?: { modes: KlingMode[]; durations: number[] };
}

const CLASSIC = [5, 10];
const seconds = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const STD_PRO = { std: "720p", pro: "1080p" };

function metadataFields(rules: KlingRules): Record<string, string> {
  const omni = rules.families.includes("omni-video");
  const fields: Record<string, string> = {
    mode: `${Object.entries(rules.modes)
      .map(([m, r]) => `"${m}" (${r})`)
      .join(" or ")}; else from size`,
    aspect_ratio: "16:9, 9:16 or 1:1 (text-to-video; else from size)",
    negative_prompt: "text to avoid, at most 2500 characters",
    watermark_info: '{"enabled": true|false}: also produce a watermarked video',
  };
  if (rules.brush) {
    const where = `${rules.brush.modes.join(" or ")} mode at ${rules.brush.durations.join(" or ")} s, with image, not with image_tail or camera_control`;
    fields.static_mask = `motion brush: the mask of what stays still (URL or base64); ${where}`;
    fields.dynamic_masks = `motion brush: 1 to 6 {"mask": <URL or base64>, "trajectories": [2 to 77 {"x": int, "y": int}]}; ${where}`;
  }
  if (rules.families.includes("motion-control")) {
    fields.video_url =
      "motion control: https URL of the reference video whose motion the character in image performs (.mp4/.mov, 3 s or longer); no duration: the video sets it";
    fields.character_orientation = '"image" (reference video up to 10 s) or "video" (up to 30 s), with video_url';
    fields.keep_original_sound = '"yes" or "no": keep the reference video\'s sound, with video_url';
  }
  if (!omni) {
    fields.cfg_scale = "0 to 1 (kling-v1 models only)";
    fields.camera_control = '{"type": "simple"|"down_back"|"forward_up"|"right_turn_forward"|"left_turn_forward", "config": {…}}';
  }
  if (rules.tail) {
    const durations = rules.tail.durations ? ` at ${rules.tail.durations.join(" or ")} s` : "";
    fields.image_tail = `the last frame (URL or base64), with image as the first; ${rules.tail.modes.join(" or ")} mode${durations}${rules.tail.silent ? ", without sound" : ""}`;
  }
  if (rules.families.includes("multi-image2video")) fields.image_list = '1 to 4 {"image": "<url or base64>"} (multi-image-to-video)';
  if (omni) {
    fields.image_list = 'reference images: ["<url or base64>" or {"image_url": …}], with image and image_tail at most 7 (4 with a video)';
    fields.video_list = '[{"video_url", "refer_type": "feature"|"base", "keep_original_sound": "yes"|"no"}], at most 1';
  }
  if (rules.sound)
    fields.sound = `"on" or "off": generate sound${rules.sound === "pro" ? " (on in pro mode only)" : ""}${omni ? " (off with a video_list)" : ""}`;
  if (rules.multiShot) {
    fields.multi_shot = "true for several shots";
    fields.shot_type = '"customize" (with multi_prompt) or "intelligence", with multi_shot';
    fields.multi_prompt = '1 to 6 {"index", "prompt", "duration": "<s>"} whose durations add up to duration';
  }
  return fields;
}

function kling(id: string, rules: KlingRules, limits: { durations: number[]; fps: number }): ModelRow<KlingRules> {
  const { families } = rules;
  const inputs = [
    ...(families.includes("text2video") || families.includes("omni-video") ? ["text"] : []),
    ...(families.includes("image2video") || families.includes("omni-video") ? ["image"] : []),
    ...(rules.tail ? ["image_tail"] : []),
    ...(families.includes("multi-image2video") || families.includes("omni-video") ? ["image_list"] : []),
    ...(families.includes("omni-video") ? ["video_list"] : []),
    ...(families.includes("motion-control") ? ["video_url"] : []),
  ];
  return {
    spec: {
      id,
      vendor: "kling",
      durations: limits.durations,
      default_duration: 5,
      fps: limits.fps,
      aspect_ratios: ["16:9", "9:16", "1:1"],
      resolutions: [...new Set(Object.values(rules.modes))].sort(),
      inputs,
      seed: false,
      prompt_max: 2500,
      metadata: metadataFields(rules),
    },
    rules,
  };
}

export const KLING_MODELS = [
  // [K-doc] t2v + i2v; [CAP] 720p in both modes, 30 fps; first+last frame std/pro at 5 s only; [BRUSH] std/pro at 5 s.
  kling(
    "kling-v1",
    {
      families: ["text2video", "image2video"],
      modes: { std: "720p", pro: "720p" },
      tail: { modes: ["std", "pro"], durations: [5] },
      brush: { modes: ["std", "pro"], durations: [5] },
    },
    { durations: CLASSIC, fps: 30 },
  ),
  // [K-doc] i2v only; [CAP] std 720p / pro 1080p, 30 fps; first+last frame in pro; [BRUSH] pro at 5 s.
  kling(
    "kling-v1-5",
    { families: ["image2video"], modes: STD_PRO, tail: { modes: ["pro"] }, brush: { modes: ["pro"], durations: [5] } },
    { durations: CLASSIC, fps: 30 },
  ),
  // [K-doc] t2v, i2v, multi-image; [CAP] std 720p / pro 1080p; verified: text-to-video renders 24 fps and
  // image-to-video 30 fps ([CAP] has a table for each). One number per model here: 24 is listed, so an image-to-video
  // task of this model is 30 fps (a task reports the rate read from its MP4); first+last frame in pro.
  kling(
    "kling-v1-6",
    { families: ["text2video", "image2video", "multi-image2video"], modes: STD_PRO, tail: { modes: ["pro"] } },
    { durations: CLASSIC, fps: 24 },
  ),
  // [K-doc] t2v + i2v; [CAP] 720p only, 24 fps; no first+last frame.
  kling("kling-v2-master", { families: ["text2video", "image2video"], modes: { std: "720p", pro: "720p" } }, { durations: CLASSIC, fps: 24 }),
  // [K-doc] i2v only; [CAP] std 720p / pro 1080p, 24 fps; first+last frame in pro.
  kling("kling-v2-1", { families: ["image2video"], modes: STD_PRO, tail: { modes: ["pro"] } }, { durations: CLASSIC, fps: 24 }),
  // [K-doc] t2v + i2v; [CAP] 1080p only, 24 fps; no first+last frame.
  kling("kling-v2-1-master", { families: ["text2video", "image2video"], modes: { std: "1080p", pro: "1080p" } }, { durations: CLASSIC, fps: 24 }),
  // [K-doc] t2v + i2v; [CAP] std and pro at 5/10 s, pro 1080p at 24 fps, first+last frame in pro. NOT VERIFIED: the
  // std resolution: [CAP]'s resolution table for v2.5 lists PRO only; 720p is assumed, as for every std mode it lists.
  kling("kling-v2-5-turbo", { families: ["text2video", "image2video"], modes: STD_PRO, tail: { modes: ["pro"] } }, { durations: CLASSIC, fps: 24 }),
  // [CAP] 5 or 10 s (other durations are motion control only); std is silent, sound in pro; first+last frame in pro,
  // silent only; [MC] motion control in std and pro.
  kling(
    "kling-v2-6",
    { families: ["text2video", "image2video", "motion-control"], modes: STD_PRO, sound: "pro", tail: { modes: ["pro"], silent: true } },
    { durations: CLASSIC, fps: 24 },
  ),
  // [V3] 3–15 s, sound, multi-shot, first+last frame; [MC] motion control. NOT VERIFIED: the frame rate (no stored
  // official page states one for kling-v3; 24 is assumed, as for every model since v2).
  kling(
    "kling-v3",
    { families: ["text2video", "image2video", "motion-control"], modes: STD_PRO, sound: "any", multiShot: true, tail: { modes: ["std", "pro"] } },
    { durations: seconds(3, 15), fps: 24 },
  ),
  // [O1] Omni endpoint: 3–10 s (5/10 for text or a first frame alone), first/last frame, reference images and video.
  kling(
    "kling-video-o1",
    { families: ["omni-video"], modes: STD_PRO, basicDurations: CLASSIC, tail: { modes: ["std", "pro"] } },
    { durations: seconds(3, 10), fps: 24 },
  ),
  // [V3O] Omni endpoint: 3–15 s, multi-shot, first/last frame and references as [O1]; [V3S] sound on/off (off with a
  // reference video), 24 fps output stated for the reference-video case (assumed for the others).
  kling(
    "kling-v3-omni",
    { families: ["omni-video"], modes: STD_PRO, sound: "any", multiShot: true, tail: { modes: ["std", "pro"] } },
    { durations: seconds(3, 15), fps: 24 },
  ),
];
