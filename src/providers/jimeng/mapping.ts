import * as v from "valibot";
import { invalid } from "../../lib/errors.ts";
import { aspectRatioFor, asUrlOrRawBase64, checkedImage, checkImageBytes, checkMetadataRatio } from "../input.ts";
import { byHttpStatus, vendorFailure } from "../outcomes.ts";
import type { GenerationInput, ImageInput, ModelRow, Outcome, SubmitPlan, VendorCall, VendorReply } from "../types.ts";
import { J, jimengError, volcGatewayError } from "./errors.ts";
import { JIMENG_ASPECT_RATIOS, type JimengRules, REQ_KEYS } from "./models.ts";

const SUBMIT_PATH = "/?Action=CVSync2AsyncSubmitTask&Version=2022-08-31";
const RESULT_PATH = "/?Action=CVSync2AsyncGetResult&Version=2022-08-31";

/** Jimeng's input image limit. "4.7 MB" read as decimal megabytes: the stricter reading never sends what it may refuse. */
const MAX_IMAGE_BYTES = 4_700_000;

const RECAMERA = "jimeng_i2v_recamera_v30";
const TEMPLATES = [
  "hitchcock_dolly_in",
  "hitchcock_dolly_out",
  "robo_arm",
  "dynamic_orbit",
  "central_orbit",
  "crane_push",
  "quick_pull_back",
  "counterclockwise_swivel",
  "clockwise_swivel",
  "handheld",
  "rapid_push_pull",
];
const STRENGTHS = ["weak", "medium", "strong"];

const NEEDS = ["text only (no image)", "a first frame (image)", "a first and a last frame (image and metadata.image_tail)"];

type Images = { image_urls: string[] } | { binary_data_base64: string[] };

const LIMIT = "Jimeng's 4.7 MB limit";
const checkSize = (param: string, data: string) => checkImageBytes(param, data, MAX_IMAGE_BYTES, LIMIT);

/** The user's own image_urls / binary_data_base64 go to Jimeng as they are: 1 or 2 strings. */
function ownList(param: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 2 || !value.every((s) => typeof s === "string" && s !== "")) {
    return invalid(param, `${param} must be a list of 1 or 2 images (first frame, then last frame).`);
  }
  return value as string[];
}

/** The vendor's image fields: the user's own lists, else built from image and metadata.image_tail. */
function imagesOf(image: ImageInput | undefined, image_urls: unknown, binary_data_base64: unknown, image_tail: unknown): Images | undefined {
  const own = image_urls !== undefined || binary_data_base64 !== undefined;
  if (own && image_tail !== undefined) {
    invalid(
      "metadata.image_tail",
      "metadata.image_tail cannot be combined with metadata.image_urls or binary_data_base64; put the last frame second in that list.",
    );
  }
  if (image_urls !== undefined && binary_data_base64 !== undefined) {
    invalid("metadata.binary_data_base64", "Give metadata.image_urls or metadata.binary_data_base64, not both.");
  }
  // The user's lists win over `image`, which then only says "image-to-video" (as in the 88API example).
  if (image_urls !== undefined) return { image_urls: ownList("metadata.image_urls", image_urls) };
  if (binary_data_base64 !== undefined) {
    const list = ownList("metadata.binary_data_base64", binary_data_base64);
    for (const data of list) checkSize("metadata.binary_data_base64", data);
    return { binary_data_base64: list };
  }
  if (image_tail !== undefined && !image) invalid("image", "metadata.image_tail is the last frame; give image (the first frame) too.");
  if (!image) return undefined;
  const tail = image_tail === undefined ? undefined : checkedImage(image_tail, "metadata.image_tail", MAX_IMAGE_BYTES, LIMIT);
  const frames = tail ? [image, tail] : [image];
  if (frames.some((f) => f.kind !== image.kind)) {
    invalid("metadata.image_tail", "Jimeng takes both frames as URLs or both as base64; send image and metadata.image_tail the same way.");
  }
  if (image.kind === "url") return { image_urls: frames.map(asUrlOrRawBase64) };
  for (const [i, f] of frames.entries()) checkSize(i === 0 ? "image" : "metadata.image_tail", asUrlOrRawBase64(f));
  return { binary_data_base64: frames.map(asUrlOrRawBase64) };
}

/** metadata.req_key when given (any documented key), else the key the model means for this many images. */
function chooseReqKey(row: ModelRow<JimengRules>, override: unknown, images: number): string {
  if (override !== undefined) {
    const known = Object.keys(REQ_KEYS);
    if (typeof override !== "string" || !known.includes(override)) {
      invalid("metadata.req_key", `metadata.req_key must be one of ${known.join(", ")}.`);
    }
    const takes = REQ_KEYS[override]!.images;
    if (!takes.includes(images)) {
      invalid("metadata.req_key", `${override} takes ${takes.map((n) => NEEDS[n]).join(" or ")}; this request has ${NEEDS[images]}.`);
    }
    return override;
  }
  const key = row.rules.reqKeyByImages[images];
  if (key) return key;
  const takes = [0, 1, 2].filter((n) => row.rules.reqKeyByImages[n]);
  return invalid(
    images === 2 ? "metadata.image_tail" : "image",
    `${row.spec.id} takes ${takes.map((n) => NEEDS[n]).join(" or ")}; this request has ${NEEDS[images]}.`,
  );
}

/** Pure: unified request → CVSync2AsyncSubmitTask call. Other metadata goes to Jimeng as it is. */
export function planJimeng(input: GenerationInput, row: ModelRow<JimengRules>): SubmitPlan {
  const model = row.spec;
  const { req_key, image_urls, binary_data_base64, image_tail, aspect_ratio, frames, seed, ...rest } = input.metadata;
  if (frames !== undefined) invalid("metadata.frames", "metadata.frames is set from duration (5 s → 121, 10 s → 241); send duration instead.");
  // Jimeng takes metadata.aspect_ratio on every req_key, as given.
  checkMetadataRatio(J, aspect_ratio, JIMENG_ASPECT_RATIOS, true);
  const images = imagesOf(input.image, image_urls, binary_data_base64, image_tail);
  const count = images ? Object.values(images)[0]!.length : 0;
  const reqKey = chooseReqKey(row, req_key, count);
  if (REQ_KEYS[reqKey]!.promptRequired && input.prompt.trim() === "") invalid("prompt", `${reqKey} needs a prompt.`, "missing_required_field");
  if (reqKey === RECAMERA) {
    if (!TEMPLATES.includes(rest.template_id as string))
      invalid("metadata.template_id", `${RECAMERA} needs metadata.template_id, one of ${TEMPLATES.join(", ")}.`);
    if (rest.camera_strength !== undefined && !STRENGTHS.includes(rest.camera_strength as string)) {
      invalid("metadata.camera_strength", `metadata.camera_strength must be one of ${STRENGTHS.join(", ")}.`);
    }
  }

  const body: Record<string, unknown> = { ...rest, req_key: reqKey };
  if (input.prompt !== "") body.prompt = input.prompt;
  body.seed = input.seed ?? seed ?? -1;
  body.frames = 24 * (input.duration ?? model.default_duration) + 1;
  // Image-to-video crops the image to the nearest ratio itself, so a size only sets text-to-video's ratio.
  if (count === 0 && input.size) body.aspect_ratio = aspectRatioFor(input.size, JIMENG_ASPECT_RATIOS);
  if (aspect_ratio !== undefined) body.aspect_ratio = aspect_ratio;
  Object.assign(body, images);
  const output = { resolution: REQ_KEYS[reqKey]!.resolution, seconds: input.duration ?? model.default_duration, audio: false };
  return { call: { method: "POST", path: SUBMIT_PATH, body }, ref: { req_key: reqKey }, output };
}

/** The query always names the submit's req_key: Jimeng finds no task under another. */
export function jimengPollCall(id: string, ref: Record<string, string>): VendorCall {
  return { method: "POST", path: RESULT_PATH, body: { req_key: ref.req_key, task_id: id } };
}

const Business = v.object({ code: v.number(), message: v.optional(v.string(), ""), data: v.optional(v.unknown()) });
const GatewayError = v.object({
  ResponseMetadata: v.object({
    Error: v.object({ CodeN: v.optional(v.number()), Code: v.optional(v.string(), ""), Message: v.optional(v.string(), "") }),
  }),
});
const Submitted = v.object({ task_id: v.pipe(v.string(), v.nonEmpty()) });
const Result = v.object({ status: v.string(), video_url: v.optional(v.nullable(v.string())) });

/** Either envelope: a gateway error becomes its outcome; a business answer is returned for reading. */
function read(reply: VendorReply): v.InferOutput<typeof Business> | Outcome {
  const gateway = v.safeParse(GatewayError, reply.body);
  if (gateway.success) {
    const { CodeN, Code, Message } = gateway.output.ResponseMetadata.Error;
    return volcGatewayError(CodeN, Code, Message, reply.status);
  }
  const business = v.safeParse(Business, reply.body);
  return business.success ? business.output : byHttpStatus(J, reply.status, "the answer was neither Jimeng's JSON nor a Volcengine error");
}

export function interpretJimengSubmit(reply: VendorReply): Outcome {
  const env = read(reply);
  if ("kind" in env) return env;
  if (env.code !== 10000) return jimengError(env.code, env.message, reply.status);
  const data = v.safeParse(Submitted, env.data);
  return data.success ? { kind: "accepted", upstreamId: data.output.task_id } : { kind: "transient", message: "Jimeng accepted the task but sent no task_id" };
}

export function interpretJimengPoll(reply: VendorReply): Outcome {
  const env = read(reply);
  if ("kind" in env) return env;
  const result = v.safeParse(Result, env.data);
  if (env.code !== 10000) {
    const outcome = jimengError(env.code, env.message, reply.status);
    // `done` is final: a failure code there ends the task rather than being polled again.
    const done = result.success && result.output.status === "done";
    return done && outcome.kind !== "failed" ? vendorFailure.generation(J, `${env.message || "no message"} (code ${env.code})`) : outcome;
  }
  if (!result.success) return { kind: "transient", message: "Jimeng sent a result without data.status" };
  const { status, video_url } = result.output;
  switch (status) {
    case "in_queue":
    case "generating":
      return { kind: "pending", vendorStatus: status, running: status === "generating" };
    case "done":
      return video_url
        ? { kind: "succeeded", videoUrl: video_url }
        : vendorFailure.generation(J, `the task finished without a video (${env.message || "no message"})`);
    case "not_found":
      return vendorFailure.lost(J, "it answers not_found (the task is unknown or older than 12 hours)");
    case "expired":
      return vendorFailure.lost(J, "it answers expired");
    default:
      // A status we have never seen is never taken for success: keep polling until the deadline.
      return { kind: "pending", vendorStatus: status, running: true };
  }
}
