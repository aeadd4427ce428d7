import * as v from "valibot";
import { invalid } from "../../lib/errors.ts";
import { aspectRatioFor, asUrlOrRawBase64, checkedImage, checkMetadataRatio, rejectReserved, resolutionFor, stripDataUri, unsupportedRoute } from "../input.ts";
import { byHttpStatus, vendorFailure } from "../outcomes.ts";
import type { GenerationInput, ModelRow, Outcome, PlanContext, SubmitPlan, VendorCall, VendorReply } from "../types.ts";
import { klingError } from "./errors.ts";
import type { KlingFamily, KlingMode, KlingRules } from "./models.ts";

/** Set by the gateway from the checked top-level request (or from the task): metadata may not override them. */
const RESERVED = ["model_name", "model", "external_task_id", "prompt", "image", "duration", "callback_url"];
const MODES: readonly KlingMode[] = ["std", "pro"];
const SHOT_TYPES = ["customize", "intelligence"];

/** What makes a request motion control ([MC]): its reference video, or the orientation that only it takes. */
const MOTION_FIELDS = ["video_url", "character_orientation", "keep_original_sound"];
/** The metadata motion control takes; anything else is refused by name rather than passed on. */
const MOTION_TAKES = new Set([...MOTION_FIELDS, "mode", "watermark_info"]);

function familyOf(input: GenerationInput, rules: KlingRules): KlingFamily {
  if (rules.families.includes("omni-video")) return "omni-video";
  if (MOTION_FIELDS.some((f) => input.metadata[f] !== undefined)) return "motion-control";
  if (input.metadata.image_list !== undefined) return "multi-image2video";
  if (input.image || input.metadata.image_tail !== undefined) return "image2video";
  return "text2video";
}

const FAMILY_NEEDS: Record<KlingFamily, string> = {
  text2video: "text-to-video (a request without image)",
  image2video: "image-to-video (image or metadata.image_tail)",
  "multi-image2video": "multi-image-to-video (metadata.image_list)",
  "omni-video": "omni video",
  "motion-control": "motion control (image and metadata.video_url)",
};

/** Mode from metadata.mode, else from the size's resolution (the cheaper mode when both render it), else Kling's default. */
function modeOf(input: GenerationInput, rules: KlingRules, modelId: string, family: KlingFamily): KlingMode {
  const { mode } = input.metadata;
  const offered = MODES.filter((m) => rules.modes[m]);
  if (mode !== undefined) {
    if (!offered.includes(mode as KlingMode))
      invalid("metadata.mode", `${modelId} takes mode ${offered.map((m) => `"${m}" (${rules.modes[m]})`).join(" or ")}.`);
    return mode as KlingMode;
  }
  if (input.size) {
    const resolution = resolutionFor(input.size, Object.values(rules.modes));
    return offered.find((m) => rules.modes[m] === resolution)!;
  }
  // The Omni endpoint defaults to pro, the others to std ([O1], [K-doc]).
  return family === "omni-video" ? "pro" : "std";
}

function checkSound(input: GenerationInput, rules: KlingRules, modelId: string, mode: KlingMode, tail: boolean): void {
  const { sound } = input.metadata;
  if (sound === undefined) return;
  if (!rules.sound) invalid("metadata.sound", `${modelId} makes no sound; remove metadata.sound.`);
  if (sound !== "on" && sound !== "off") invalid("metadata.sound", 'metadata.sound must be "on" or "off".');
  if (sound === "on" && rules.sound === "pro" && mode !== "pro")
    invalid("metadata.sound", `${modelId} makes sound in pro mode only; set metadata.mode "pro" or sound "off".`);
  if (sound === "on" && tail && rules.tail?.silent)
    invalid("metadata.sound", `${modelId} makes first-and-last-frame videos without sound; remove metadata.sound or metadata.image_tail.`);
}

function checkTail(rules: KlingRules, modelId: string, mode: KlingMode, duration: number): void {
  const tail = rules.tail;
  if (!tail) invalid("metadata.image_tail", `${modelId} does not do first-and-last-frame videos; remove metadata.image_tail.`);
  if (!tail.modes.includes(mode))
    invalid("metadata.image_tail", `${modelId} does first-and-last-frame videos in ${tail.modes.join(" or ")} mode only; set metadata.mode.`);
  if (tail.durations && !tail.durations.includes(duration)) {
    invalid("duration", `${modelId} does first-and-last-frame videos of ${tail.durations.join(" or ")} s only.`);
  }
}

function checkMultiShot(input: GenerationInput, rules: KlingRules, modelId: string, duration: number): void {
  const { multi_shot, shot_type, multi_prompt } = input.metadata;
  if (multi_shot === undefined && shot_type === undefined && multi_prompt === undefined) return;
  if (!rules.multiShot) invalid("metadata.multi_shot", `${modelId} does not make multi-shot videos; remove metadata.multi_shot, shot_type and multi_prompt.`);
  if (multi_shot !== undefined && typeof multi_shot !== "boolean") invalid("metadata.multi_shot", "metadata.multi_shot must be true or false.");
  if (multi_shot !== true) {
    if (shot_type !== undefined || multi_prompt !== undefined)
      invalid("metadata.shot_type", "metadata.shot_type and multi_prompt need metadata.multi_shot true.");
    return;
  }
  if (!SHOT_TYPES.includes(shot_type as string)) invalid("metadata.shot_type", 'metadata.shot_type must be "customize" or "intelligence" with multi_shot.');
  if (shot_type !== "customize") {
    if (multi_prompt !== undefined) invalid("metadata.multi_prompt", 'metadata.multi_prompt goes with shot_type "customize".');
    return;
  }
  const shots = multi_prompt;
  if (!Array.isArray(shots) || shots.length < 1 || shots.length > 6) invalid("metadata.multi_prompt", "metadata.multi_prompt must be 1 to 6 shots.");
  let total = 0;
  for (const [i, shot] of (shots as unknown[]).entries()) {
    const s = shot as { index?: unknown; prompt?: unknown; duration?: unknown };
    const ok =
      typeof shot === "object" &&
      shot !== null &&
      Number.isInteger(s.index) &&
      typeof s.prompt === "string" &&
      s.prompt.trim() !== "" &&
      [...s.prompt].length <= 512 &&
      typeof s.duration === "string" &&
      /^[1-9]\d*$/.test(s.duration);
    if (!ok)
      invalid(
        `metadata.multi_prompt[${i}]`,
        `metadata.multi_prompt[${i}] must be {"index": n, "prompt": "<at most 512 characters>", "duration": "<seconds>"}.`,
      );
    total += Number(s.duration);
  }
  if (total !== duration) invalid("metadata.multi_prompt", `metadata.multi_prompt durations add up to ${total} s; duration is ${duration} s.`);
}

function checkWatermark(value: unknown): void {
  if (value === undefined) return;
  const ok = typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { enabled?: unknown }).enabled === "boolean";
  if (!ok || Object.keys(value as object).length !== 1)
    invalid("metadata.watermark_info", 'metadata.watermark_info must be {"enabled": true} or {"enabled": false}.');
}

/** Motion brush on image2video ([BRUSH]): only where the capability map lists it, shapes checked, images made raw. */
function brushFields(input: GenerationInput, rules: KlingRules, modelId: string, mode: KlingMode, duration: number): Record<string, unknown> {
  const { static_mask, dynamic_masks, image_tail, camera_control } = input.metadata;
  if (static_mask === undefined && dynamic_masks === undefined) return {};
  const param = static_mask !== undefined ? "metadata.static_mask" : "metadata.dynamic_masks";
  const brush = rules.brush;
  if (!brush) invalid(param, `${modelId} has no motion brush (kling-v1 and kling-v1-5 do); remove metadata.static_mask and dynamic_masks.`);
  if (!brush.modes.includes(mode)) invalid(param, `${modelId} paints motion in ${brush.modes.join(" or ")} mode only; set metadata.mode.`);
  if (!brush.durations.includes(duration)) invalid("duration", `${modelId} paints motion in ${brush.durations.join(" or ")} s videos only.`);
  if (!input.image) invalid("image", "The motion brush paints on the first frame; give it as image.");
  if (image_tail !== undefined || camera_control !== undefined)
    invalid(param, "The motion brush cannot be combined with metadata.image_tail or camera_control.");
  const fields: Record<string, unknown> = {};
  if (static_mask !== undefined) fields.static_mask = asUrlOrRawBase64(checkedImage(static_mask, "metadata.static_mask"));
  if (dynamic_masks === undefined) return fields;
  if (!Array.isArray(dynamic_masks) || dynamic_masks.length < 1 || dynamic_masks.length > 6)
    invalid("metadata.dynamic_masks", 'metadata.dynamic_masks must be 1 to 6 {"mask", "trajectories"} groups.');
  fields.dynamic_masks = dynamic_masks.map((group: unknown, i: number) => {
    const g = group as { mask?: unknown; trajectories?: unknown };
    const label = `metadata.dynamic_masks[${i}]`;
    if (typeof group !== "object" || group === null) invalid(label, `${label} must be {"mask", "trajectories"}.`);
    const mask = asUrlOrRawBase64(checkedImage(g.mask, `${label}.mask`));
    const points = g.trajectories;
    const ok =
      Array.isArray(points) &&
      points.length >= 2 &&
      points.length <= 77 &&
      points.every((p) => typeof p === "object" && p !== null && Number.isInteger(p.x) && Number.isInteger(p.y));
    if (!ok) invalid(`${label}.trajectories`, `${label}.trajectories must be 2 to 77 points {"x": int, "y": int}.`);
    return { mask, trajectories: (points as { x: number; y: number }[]).map(({ x, y }) => ({ x, y })) };
  });
  return fields;
}

/** `/v1/videos/motion-control` ([MC]): the character in image performs the motion of a reference video. */
function motionControlBody(input: GenerationInput, modelId: string): { body: Record<string, unknown>; seconds: number } {
  const meta = input.metadata;
  for (const key of Object.keys(meta)) {
    if (!MOTION_TAKES.has(key)) invalid(`metadata.${key}`, `Kling's motion control (metadata.video_url) takes no ${key}; remove metadata.${key}.`);
  }
  if (!input.image) invalid("image", "Motion control animates the character in image; give it as image.");
  if (input.duration !== undefined)
    invalid("duration", "Motion control renders as long as the reference video (3–10 s, or up to 30 s with character_orientation video); remove duration.");
  const { video_url, character_orientation, keep_original_sound } = meta;
  if (typeof video_url !== "string" || !/^https?:\/\/\S+$/.test(video_url))
    invalid("metadata.video_url", "metadata.video_url must be the http(s) URL of the reference video (.mp4 or .mov).");
  if (character_orientation !== "image" && character_orientation !== "video")
    invalid("metadata.character_orientation", 'metadata.character_orientation must be "image" or "video" with motion control.');
  if (keep_original_sound !== undefined && keep_original_sound !== "yes" && keep_original_sound !== "no")
    invalid("metadata.keep_original_sound", 'metadata.keep_original_sound must be "yes" or "no".');
  const body: Record<string, unknown> = { model_name: modelId, image_url: asUrlOrRawBase64(input.image), video_url, character_orientation };
  if (keep_original_sound !== undefined) body.keep_original_sound = keep_original_sound;
  if (input.prompt !== "") body.prompt = input.prompt;
  // Unknown until rendered: priced at the longest the orientation allows.
  return { body, seconds: character_orientation === "video" ? 30 : 10 };
}

/** Omni's image_list: the first and last frames as typed entries, then the reference images ([O1]). */
function omniImages(input: GenerationInput, tail: unknown, refs: unknown, videos: number): { image_url: string; type?: string }[] {
  const list: { image_url: string; type?: string }[] = [];
  if (input.image) list.push({ image_url: asUrlOrRawBase64(input.image), type: "first_frame" });
  if (tail !== undefined) list.push({ image_url: asUrlOrRawBase64(checkedImage(tail, "metadata.image_tail")), type: "end_frame" });
  if (refs !== undefined && !Array.isArray(refs)) invalid("metadata.image_list", "metadata.image_list must be a list of reference images.");
  for (const [i, ref] of ((refs as unknown[]) ?? []).entries()) {
    const value = typeof ref === "object" && ref !== null ? (ref as { image_url?: unknown }).image_url : ref;
    list.push({ image_url: asUrlOrRawBase64(checkedImage(value, `metadata.image_list[${i}]`)) });
  }
  const max = videos > 0 ? 4 : 7;
  if (list.length > max) invalid("metadata.image_list", `Kling's omni video takes at most ${max} images in all${videos > 0 ? " with a reference video" : ""}.`);
  if (tail !== undefined && list.length > 2) invalid("metadata.image_tail", "Kling's omni video takes no last frame together with reference images.");
  return list;
}

function omniVideos(value: unknown): { video_url: string; refer_type: string; keep_original_sound?: string }[] {
  if (value === undefined) return [];
  const ok =
    Array.isArray(value) &&
    value.length === 1 &&
    value.every((item) => {
      const v = item as { video_url?: unknown; refer_type?: unknown; keep_original_sound?: unknown };
      return (
        typeof item === "object" &&
        item !== null &&
        typeof v.video_url === "string" &&
        /^https?:\/\//.test(v.video_url) &&
        (v.refer_type === "feature" || v.refer_type === "base") &&
        (v.keep_original_sound === undefined || v.keep_original_sound === "yes" || v.keep_original_sound === "no")
      );
    });
  if (!ok)
    invalid(
      "metadata.video_list",
      'metadata.video_list must be one {"video_url": "https://…", "refer_type": "feature"|"base", "keep_original_sound": "yes"|"no"}.',
    );
  return value as { video_url: string; refer_type: string }[];
}

/** Pure: unified request → Kling create call. Documented fields are checked per model; data-URI images are made raw. */
export function planKling(input: GenerationInput, row: ModelRow<KlingRules>, ctx: PlanContext): SubmitPlan {
  const { spec: model, rules } = row;
  rejectReserved(input.metadata, RESERVED);
  const family = familyOf(input, rules);
  unsupportedRoute(row, family, rules.families, (f) => FAMILY_NEEDS[f], "text2video");
  const { image_tail, image_list, video_list, mode: _mode, aspect_ratio, sound: _sound, watermark_info, static_mask, dynamic_masks, ...rest } = input.metadata;
  const mode = modeOf(input, rules, model.id, family);
  if (family === "motion-control") {
    checkWatermark(watermark_info);
    const { body, seconds } = motionControlBody(input, model.id);
    body.mode = mode;
    if (watermark_info !== undefined) body.watermark_info = watermark_info;
    Object.assign(body, { callback_url: ctx.callbackUrl, external_task_id: ctx.taskId });
    return {
      call: { method: "POST", path: "/v1/videos/motion-control", body },
      ref: { family },
      output: { resolution: rules.modes[mode]!, seconds, audio: false },
    };
  }
  const duration = input.duration ?? model.default_duration;
  const hasTail = image_tail !== undefined;
  if (hasTail) {
    if (!input.image && family === "omni-video") invalid("image", "metadata.image_tail is the last frame; give the first frame as image too.");
    checkTail(rules, model.id, mode, duration);
  }
  checkSound(input, rules, model.id, mode, hasTail);
  checkMultiShot(input, rules, model.id, duration);
  checkWatermark(watermark_info);
  if ((static_mask !== undefined || dynamic_masks !== undefined) && family !== "image2video")
    invalid(static_mask !== undefined ? "metadata.static_mask" : "metadata.dynamic_masks", "The motion brush paints on the first frame; give it as image.");

  const body: Record<string, unknown> = { model_name: model.id };
  if (input.prompt !== "") body.prompt = input.prompt;
  let takesRatio = family === "text2video" || family === "multi-image2video";
  if (family === "omni-video") {
    const videos = omniVideos(video_list);
    const images = omniImages(input, image_tail, image_list, videos.length);
    const editing = videos.some((v) => v.refer_type === "base");
    if (videos.length > 0 && input.metadata.sound === "on")
      invalid("metadata.sound", `${model.id} makes no sound with a reference video (metadata.video_list); set sound "off" or remove it.`);
    // Text alone, or a first frame alone, renders 5 or 10 s only ([O1] FAQ 1); an edited video keeps its own length.
    const basic = videos.length === 0 && images.every((i) => i.type === "first_frame");
    if (basic && rules.basicDurations && !rules.basicDurations.includes(duration)) {
      invalid("duration", `${model.id} renders text or a first frame alone at ${rules.basicDurations.join(" or ")} s.`);
    }
    if (editing && input.duration !== undefined) invalid("duration", "An edited video (refer_type base) keeps its own length; remove duration.");
    if (!editing) body.duration = String(duration);
    if (images.length) body.image_list = images;
    if (videos.length) body.video_list = videos;
    takesRatio = !input.image && !editing;
    // Required whenever the frame is not set by a first frame or an edited video ([O1]).
    if (takesRatio) body.aspect_ratio = "16:9";
  } else {
    if (family === "image2video") Object.assign(body, brushFields(input, rules, model.id, mode, duration));
    body.duration = String(duration);
    if (input.image) body.image = asUrlOrRawBase64(input.image);
    if (hasTail) body.image_tail = stripDataUri(image_tail);
    if (Array.isArray(image_list)) {
      if (image_list.length < 1 || image_list.length > 4)
        invalid("metadata.image_list", 'metadata.image_list must be 1 to 4 items like {"image": "<url or base64>"}.');
      body.image_list = image_list.map((item) =>
        typeof item === "object" && item !== null ? { ...item, image: stripDataUri((item as { image?: unknown }).image) } : item,
      );
    } else if (image_list !== undefined) invalid("metadata.image_list", 'metadata.image_list must be 1 to 4 items like {"image": "<url or base64>"}.');
  }
  checkMetadataRatio("Kling", aspect_ratio, model.aspect_ratios, takesRatio);
  body.mode = mode;
  if (input.size && takesRatio) body.aspect_ratio = aspectRatioFor(input.size, model.aspect_ratios);
  if (aspect_ratio !== undefined) body.aspect_ratio = aspect_ratio;
  if (input.metadata.sound !== undefined) body.sound = input.metadata.sound;
  if (watermark_info !== undefined) body.watermark_info = watermark_info;
  Object.assign(body, rest, { callback_url: ctx.callbackUrl, external_task_id: ctx.taskId });
  // An edited video keeps its own length, unknown here: priced at the longest the model renders.
  const seconds = body.duration === undefined ? Math.max(...model.durations) : duration;
  const output = { resolution: rules.modes[mode]!, seconds, audio: input.metadata.sound === "on" };
  return { call: { method: "POST", path: `/v1/videos/${family}`, body }, ref: { family }, output };
}

const Envelope = v.object({ code: v.number(), message: v.optional(v.string(), ""), data: v.optional(v.unknown()) });
const Created = v.object({ task_id: v.pipe(v.string(), v.nonEmpty()) });
const KlingTask = v.object({
  task_id: v.string(),
  task_status: v.string(),
  task_status_msg: v.optional(v.string()),
  task_result: v.optional(v.object({ videos: v.optional(v.array(v.object({ url: v.optional(v.string()), duration: v.optional(v.string()) }))) })),
});

function envelope(reply: VendorReply): v.InferOutput<typeof Envelope> | Outcome {
  const parsed = v.safeParse(Envelope, reply.body);
  return parsed.success ? parsed.output : byHttpStatus("Kling", reply.status, "the answer was not Kling's JSON envelope");
}

export function interpretKlingSubmit(reply: VendorReply): Outcome {
  const env = envelope(reply);
  if ("kind" in env) return env;
  // Kling keeps external_task_id unique per account: this "invalid value" means an earlier attempt of ours created
  // the task, so it is found by a lookup rather than refused.
  if (env.code === 1201 && /external_task_id/i.test(env.message)) return { kind: "transient", message: `Kling already has this task: ${env.message}` };
  if (env.code !== 0) return klingError(env.code, env.message, reply.status, "submit");
  const data = v.safeParse(Created, env.data);
  return data.success ? { kind: "accepted", upstreamId: data.output.task_id } : { kind: "transient", message: "Kling accepted the task but sent no task_id" };
}

/** Maps one Kling task object (a query answer) to an outcome. */
function klingTaskOutcome(task: v.InferOutput<typeof KlingTask>): Outcome {
  switch (task.task_status) {
    case "submitted":
    case "processing":
      return { kind: "pending", vendorStatus: task.task_status, running: task.task_status === "processing" };
    case "succeed": {
      const url = task.task_result?.videos?.[0]?.url;
      return url ? { kind: "succeeded", videoUrl: url } : { kind: "transient", message: "Kling reported success without a video URL" };
    }
    case "failed":
      return vendorFailure.generation("Kling", task.task_status_msg || "no reason given");
    default:
      // A status we have never seen is never taken for success: keep polling until the deadline.
      return { kind: "pending", vendorStatus: task.task_status, running: true };
  }
}

export function interpretKlingPoll(reply: VendorReply): Outcome {
  const env = envelope(reply);
  if ("kind" in env) return env;
  if (env.code !== 0) return klingError(env.code, env.message, reply.status, "poll");
  const task = v.safeParse(KlingTask, env.data);
  return task.success ? klingTaskOutcome(task.output) : { kind: "transient", message: "Kling sent a task without task_status" };
}

export function klingPollCall(id: string, ref: Record<string, string>): VendorCall {
  return { method: "GET", path: `/v1/videos/${ref.family}/${encodeURIComponent(id)}` };
}

/** Answer to a query by external_task_id: the task's Kling id, or absent when Kling never created it. */
export function interpretKlingLookup(reply: VendorReply): Outcome {
  const env = envelope(reply);
  if ("kind" in env) return env;
  if (reply.status === 404 || env.code === 1203) return { kind: "absent" };
  if (env.code !== 0) return { kind: "transient", message: `Kling lookup failed: ${env.message} (code ${env.code})` };
  const task = v.safeParse(KlingTask, env.data);
  return task.success ? { kind: "accepted", upstreamId: task.output.task_id } : { kind: "transient", message: "Kling lookup sent no task" };
}

/** Kling posts the bare task object (no envelope, no signature): only its id and status are used, as a hint. */
export function readKlingCallback(body: unknown): { upstreamId: string; status: string } | null {
  const task = v.safeParse(KlingTask, body);
  return task.success ? { upstreamId: task.output.task_id, status: task.output.task_status } : null;
}
