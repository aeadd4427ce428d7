import * as v from "valibot";
import { invalid } from "../../lib/errors.ts";
import { aspectRatioFor, asUrlOrRawBase64, checkMetadataRatio, rejectReserved, resolutionFor, stripDataUri, unsupportedRoute } from "../input.ts";
import { byHttpStatus, vendorFailure } from "../outcomes.ts";
import type { GenerationInput, ModelRow, Outcome, PlanContext, SubmitPlan, VendorCall, VendorReply } from "../types.ts";
import { klingError } from "./errors.ts";
import { KLING_MODES, type KlingFamily, type KlingRules } from "./models.ts";

/** Set by the gateway from the checked top-level request (or from the task): metadata may not override them. */
const RESERVED = ["model_name", "model", "external_task_id", "prompt", "image", "duration", "callback_url"];

function familyOf(input: GenerationInput): KlingFamily {
  if (input.metadata.image_list !== undefined) return "multi-image2video";
  if (input.image || input.metadata.image_tail !== undefined) return "image2video";
  return "text2video";
}

const FAMILY_NEEDS: Record<KlingFamily, string> = {
  text2video: "text-to-video (a request without image)",
  image2video: "image-to-video (image or metadata.image_tail)",
  "multi-image2video": "multi-image-to-video (metadata.image_list)",
};

/** Pure: unified request → Kling create call. Metadata goes through as given, with data-URI images made raw. */
export function planKling(input: GenerationInput, row: ModelRow<KlingRules>, ctx: PlanContext): SubmitPlan {
  const model = row.spec;
  rejectReserved(input.metadata, RESERVED);
  const family = familyOf(input);
  unsupportedRoute(row, family, row.rules.families, (f) => FAMILY_NEEDS[f], "text2video");
  const { image_tail, image_list, mode, aspect_ratio, ...rest } = input.metadata;
  if (mode !== undefined && !KLING_MODES.includes(mode as "std")) invalid("metadata.mode", `metadata.mode must be "std" (720p) or "pro" (1080p).`);
  const takesRatio = family !== "image2video";
  checkMetadataRatio("Kling", aspect_ratio, model.aspect_ratios, takesRatio);
  if (image_list !== undefined && (!Array.isArray(image_list) || image_list.length < 1 || image_list.length > 4)) {
    invalid("metadata.image_list", 'metadata.image_list must be 1 to 4 items like {"image": "<url or base64>"}.');
  }

  const body: Record<string, unknown> = {
    model_name: model.id,
    duration: String(input.duration ?? model.default_duration),
  };
  if (input.prompt !== "") body.prompt = input.prompt;
  if (input.image) body.image = asUrlOrRawBase64(input.image);
  if (input.size) {
    body.mode = resolutionFor(input.size, model.resolutions) === "1080p" ? "pro" : "std";
    if (takesRatio) body.aspect_ratio = aspectRatioFor(input.size, model.aspect_ratios);
  }
  if (mode !== undefined) body.mode = mode;
  if (aspect_ratio !== undefined) body.aspect_ratio = aspect_ratio;
  if (image_tail !== undefined) body.image_tail = stripDataUri(image_tail);
  if (Array.isArray(image_list)) {
    body.image_list = image_list.map((item) =>
      typeof item === "object" && item !== null ? { ...item, image: stripDataUri((item as { image?: unknown }).image) } : item,
    );
  }
  Object.assign(body, rest, { callback_url: ctx.callbackUrl, external_task_id: ctx.taskId });
  return { call: { method: "POST", path: `/v1/videos/${family}`, body }, ref: { family } };
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
      return { kind: "pending", vendorStatus: task.task_status };
    case "succeed": {
      const url = task.task_result?.videos?.[0]?.url;
      return url ? { kind: "succeeded", videoUrl: url } : { kind: "transient", message: "Kling reported success without a video URL" };
    }
    case "failed":
      return vendorFailure.generation("Kling", task.task_status_msg || "no reason given");
    default:
      // A status we have never seen is never taken for success: keep polling until the deadline.
      return { kind: "pending", vendorStatus: task.task_status };
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
