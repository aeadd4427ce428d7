import * as v from "valibot";
import { invalid } from "../../lib/errors.ts";
import { aspectRatioFor, checkedImage, resolutionFor, unsupportedRoute } from "../input.ts";
import { byHttpStatus, vendorFailure } from "../outcomes.ts";
import type { GenerationInput, ImageInput, ModelRow, Outcome, PlanContext, SubmitPlan, VendorCall, VendorReply } from "../types.ts";
import { arkError } from "./errors.ts";
import type { ArkRules, ArkScenario } from "./models.ts";

/** Ark's task API; ARK_BASE_URL is the host, so the version prefix is part of every path. */
const TASKS = "/api/v3/contents/generations/tasks";

const SCENARIO_NAME: Record<ArkScenario, string> = {
  text: "text-to-video (a request without image)",
  first_frame: "first-frame image-to-video (image)",
  first_last_frame: "first-and-last-frame video (image and metadata.image_tail)",
  reference_images: "reference-image video (metadata.reference_images)",
};

function scenarioOf(input: GenerationInput): ArkScenario {
  const { reference_images, image_tail } = input.metadata;
  if (reference_images !== undefined) {
    if (input.image || image_tail !== undefined) {
      invalid("metadata.reference_images", "Ark takes reference images or first/last frames, not both; remove image and metadata.image_tail.");
    }
    return "reference_images";
  }
  if (image_tail !== undefined) {
    if (!input.image) invalid("image", "metadata.image_tail is the last frame; give the first frame as image too.");
    return "first_last_frame";
  }
  return input.image ? "first_frame" : "text";
}

/** Ark takes a URL or a data URI whose format is lowercase (`data:image/png;base64,…`). */
function imageUrl(image: ImageInput): string {
  return image.kind === "url" ? image.url : `data:${image.mime.toLowerCase()};base64,${image.data}`;
}

const imageItem = (image: ImageInput, role: string) => ({ type: "image_url", image_url: { url: imageUrl(image) }, role });

function checkBoolean(meta: Record<string, unknown>, name: string): void {
  if (meta[name] !== undefined && typeof meta[name] !== "boolean") invalid(`metadata.${name}`, `metadata.${name} must be true or false.`);
}

function checkInteger(meta: Record<string, unknown>, name: string, min: number, max: number): void {
  const value = meta[name];
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
    invalid(`metadata.${name}`, `metadata.${name} must be a whole number from ${min} to ${max}.`);
  }
}

/**
 * Pure: unified request → Ark create call. Ark validates its top-level fields strictly and refuses the ones a model
 * does not support, so every metadata field is checked here against the model's row, and an unknown one is a 400.
 */
export function planArk(input: GenerationInput, row: ModelRow<ArkRules>, ctx: PlanContext): SubmitPlan {
  const { spec, rules } = row;
  const meta = input.metadata;
  for (const key of Object.keys(meta)) {
    if (!(key in spec.metadata))
      invalid(`metadata.${key}`, `${spec.id} takes no metadata.${key}; its metadata fields are ${Object.keys(spec.metadata).join(", ")}.`);
  }
  const scenario = scenarioOf(input);
  unsupportedRoute(row, scenario, rules.scenarios, (s) => SCENARIO_NAME[s], "text");

  const content: unknown[] = [];
  if (input.prompt !== "") content.push({ type: "text", text: input.prompt });
  if (input.image) content.push(imageItem(input.image, "first_frame"));
  if (scenario === "first_last_frame") content.push(imageItem(checkedImage(meta.image_tail, "metadata.image_tail"), "last_frame"));
  if (scenario === "reference_images") {
    const list = meta.reference_images;
    if (!Array.isArray(list) || list.length < 1 || list.length > rules.maxReferenceImages) {
      invalid("metadata.reference_images", `metadata.reference_images must be a list of 1 to ${rules.maxReferenceImages} images (URLs, data URIs or base64).`);
    }
    for (const [i, image] of list.entries()) content.push(imageItem(checkedImage(image, `metadata.reference_images[${i}]`), "reference_image"));
  }

  const resolutions = scenario === "reference_images" && rules.referenceResolutions ? rules.referenceResolutions : spec.resolutions;
  if (meta.resolution !== undefined && !resolutions.includes(meta.resolution as string)) {
    invalid("metadata.resolution", `${spec.id} ${SCENARIO_NAME[scenario]} takes resolution ${resolutions.join(", ")}.`);
  }
  const ratios = rules.adaptive.includes(scenario) ? [...spec.aspect_ratios, "adaptive"] : spec.aspect_ratios;
  if (meta.ratio !== undefined && !ratios.includes(meta.ratio as string)) {
    invalid("metadata.ratio", `${spec.id} ${SCENARIO_NAME[scenario]} takes ratio ${ratios.join(", ")}.`);
  }
  for (const name of ["watermark", "return_last_frame", "generate_audio", "camera_fixed"]) checkBoolean(meta, name);
  if (meta.camera_fixed !== undefined && scenario === "reference_images") {
    invalid("metadata.camera_fixed", "Ark does not take camera_fixed with reference images; remove metadata.camera_fixed.");
  }
  if (meta.service_tier !== undefined && meta.service_tier !== "default" && meta.service_tier !== "flex") {
    invalid("metadata.service_tier", 'metadata.service_tier must be "default" or "flex".');
  }
  checkInteger(meta, "priority", 0, 9);
  checkInteger(meta, "execution_expires_after", 3600, 259_200);
  if (input.seed !== undefined && (input.seed < -1 || input.seed > 4_294_967_295)) invalid("seed", "Ark takes a seed from -1 (random) to 4294967295.");

  const { image_tail: _tail, reference_images: _refs, resolution, ratio, ...flags } = meta;
  const body: Record<string, unknown> = { model: spec.id, content, duration: input.duration ?? spec.default_duration };
  const chosenResolution = resolution ?? (input.size && resolutionFor(input.size, resolutions));
  if (chosenResolution) body.resolution = chosenResolution;
  const chosenRatio = ratio ?? (input.size && aspectRatioFor(input.size, spec.aspect_ratios));
  if (chosenRatio) body.ratio = chosenRatio;
  if (input.seed !== undefined) body.seed = input.seed;
  Object.assign(body, flags, { callback_url: ctx.callbackUrl });
  const output = {
    resolution: (chosenResolution as string | undefined) || rules.defaultResolution,
    seconds: body.duration as number,
    // generate_audio defaults to true where the model takes it [BP; S1].
    audio: rules.audio && meta.generate_audio !== false,
  };
  // Ark finds a task by its id alone.
  return { call: { method: "POST", path: TASKS, body }, ref: {}, output };
}

const ErrorEnvelope = v.object({ error: v.object({ code: v.optional(v.string(), ""), message: v.optional(v.string(), "") }) });
const Created = v.object({ id: v.pipe(v.string(), v.nonEmpty()) });
const ArkTask = v.object({
  id: v.string(),
  status: v.string(),
  content: v.nullish(v.object({ video_url: v.nullish(v.string()) })),
  error: v.nullish(v.object({ code: v.nullish(v.string()), message: v.nullish(v.string()) })),
  seed: v.nullish(v.number()),
});

/** Ark answers success with a bare object and anything else with `{"error": {code, message, param, type}}` and a status. */
function refusal(reply: VendorReply, phase: "submit" | "poll"): Outcome | null {
  if (reply.status >= 200 && reply.status < 300) return null;
  const error = v.safeParse(ErrorEnvelope, reply.body);
  if (!error.success) return byHttpStatus("Ark", reply.status, "the answer was not Ark's error envelope");
  return arkError(error.output.error.code, error.output.error.message, reply.status, phase);
}

export function interpretArkSubmit(reply: VendorReply): Outcome {
  const refused = refusal(reply, "submit");
  if (refused) return refused;
  const created = v.safeParse(Created, reply.body);
  return created.success ? { kind: "accepted", upstreamId: created.output.id } : { kind: "transient", message: "Ark accepted the task but sent no id" };
}

function arkTaskOutcome(task: v.InferOutput<typeof ArkTask>): Outcome {
  switch (task.status) {
    case "queued":
    case "running":
      return { kind: "pending", vendorStatus: task.status, running: task.status === "running" };
    case "succeeded": {
      const url = task.content?.video_url;
      if (!url) return { kind: "transient", message: "Ark reported success without content.video_url" };
      return { kind: "succeeded", videoUrl: url, ...(task.seed != null ? { seed: task.seed } : {}) };
    }
    case "failed": {
      const code = task.error?.code ?? "";
      const failure = arkError(code, task.error?.message ?? "", 400, "poll");
      // A failed task is final: whatever its code says about retrying, this task will not resume.
      return failure.kind === "failed" ? failure : vendorFailure.generation("Ark", `${task.error?.message || "no message"} (${code || "no code"})`);
    }
    case "cancelled":
      return vendorFailure.generation("Ark", "the task was cancelled");
    case "expired":
      return vendorFailure.generation("Ark", "the task expired before it finished (execution_expires_after)");
    default:
      // A status we have never seen is never taken for success: keep polling until the deadline.
      return { kind: "pending", vendorStatus: task.status, running: true };
  }
}

export function interpretArkPoll(reply: VendorReply): Outcome {
  const refused = refusal(reply, "poll");
  if (refused) return refused;
  const task = v.safeParse(ArkTask, reply.body);
  return task.success ? arkTaskOutcome(task.output) : { kind: "transient", message: "Ark sent a task without id and status" };
}

export function arkPollCall(id: string): VendorCall {
  return { method: "GET", path: `${TASKS}/${encodeURIComponent(id)}` };
}

/** Cancel (a queued task) or delete (a finished one): Ark's one DELETE. */
export function arkCancelCall(id: string): VendorCall {
  return { method: "DELETE", path: `${TASKS}/${encodeURIComponent(id)}` };
}

/** Ark posts the query body on each status change, unsigned: only its id and status are read, as a hint. */
export function readArkCallback(body: unknown): { upstreamId: string; status: string } | null {
  const task = v.safeParse(ArkTask, body);
  return task.success ? { upstreamId: task.output.id, status: task.output.status } : null;
}
