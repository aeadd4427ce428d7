import * as v from "valibot";
import { invalid } from "../../lib/errors.ts";
import { aspectRatioFor, asUrlOrDataUri, checkedImage, checkMetadataRatio, rejectReserved, resolutionFor, unsupportedRoute } from "../input.ts";
import { vendorFailure } from "../outcomes.ts";
import type { GenerationInput, ModelRow, Outcome, PlanContext, SubmitPlan, VendorCall, VendorReply } from "../types.ts";
import { VIDU_MODERATION, viduError } from "./errors.ts";
import { limitsFor, TAKES_ASPECT_RATIO, type ViduEndpoint, type ViduLimits, type ViduRules } from "./models.ts";

/** Set by the gateway from the top-level request (or from the task); metadata may not override them. */
const RESERVED = ["model", "prompt", "callback_url"];
const MAX_REFERENCE_IMAGES = 7;
/** Vidu's clock may differ from ours: the search for a lost submission starts this much before the task was made. */
const LOOKUP_SLACK_MS = 5 * 60_000;
/** Vidu's largest page of its task list. */
const LIST_PAGE = 100;

const ENDPOINT_NAME: Record<ViduEndpoint, string> = {
  text2video: "text-to-video",
  img2video: "image-to-video",
  "start-end2video": "start-end-to-video",
  reference2video: "reference-to-video",
};

const ENDPOINT_INPUT: Record<ViduEndpoint, string> = {
  text2video: "a request without image",
  img2video: "image",
  "start-end2video": "image and metadata.image_tail",
  reference2video: "metadata.images or metadata.subjects",
};

const needs = (e: ViduEndpoint) => `${ENDPOINT_NAME[e]} (${ENDPOINT_INPUT[e]})`;

function endpointOf(input: GenerationInput): ViduEndpoint {
  const { images, image_tail, subjects } = input.metadata;
  // Named subjects are reference-to-video too, with or without images of their own.
  if (images !== undefined || subjects !== undefined) {
    const param = images !== undefined ? "metadata.images" : "metadata.subjects";
    if (input.image || image_tail !== undefined) {
      invalid(param, `${param} (reference-to-video) cannot be combined with image or metadata.image_tail; send one or the other.`);
    }
    return "reference2video";
  }
  if (image_tail !== undefined) {
    if (!input.image) invalid("image", "metadata.image_tail is the last frame; give the first frame as image too.");
    return "start-end2video";
  }
  return input.image ? "img2video" : "text2video";
}

/** Vidu takes URLs, or base64 only as a data URI: raw base64 gets its prefix back. */
const viduImage = (value: unknown, param: string) => asUrlOrDataUri(checkedImage(value, param));

/** `subjects`: named subjects {id, images (converted like every image), voice_id}, 1–7 images in all; other keys as given. */
function subjectsFor(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_REFERENCE_IMAGES) {
    return invalid("metadata.subjects", `metadata.subjects must be a list of 1 to ${MAX_REFERENCE_IMAGES} subjects like {"id": "cat", "images": ["<url>"]}.`);
  }
  const subjects = value.map((subject, i) => {
    const s = subject as { id?: unknown; images?: unknown; voice_id?: unknown };
    const label = `metadata.subjects[${i}]`;
    const ok = typeof subject === "object" && subject !== null && typeof s.id === "string" && s.id !== "" && Array.isArray(s.images);
    if (!ok || (s.images as unknown[]).length < 1 || (s.images as unknown[]).length > 3) {
      invalid(label, `${label} must be {"id": "<name>", "images": [1 to 3 images], "voice_id": "<optional>"}.`);
    }
    if (s.voice_id !== undefined && (typeof s.voice_id !== "string" || s.voice_id === ""))
      invalid(`${label}.voice_id`, `${label}.voice_id must be a voice id.`);
    return { ...s, images: (s.images as unknown[]).map((image, j) => viduImage(image, `${label}.images[${j}]`)) };
  });
  const total = subjects.reduce((n, s) => n + s.images.length, 0);
  if (total > MAX_REFERENCE_IMAGES) invalid("metadata.subjects", `metadata.subjects hold ${total} images; Vidu takes 1 to ${MAX_REFERENCE_IMAGES} in all.`);
  return subjects;
}

function imagesFor(endpoint: ViduEndpoint, input: GenerationInput): string[] | undefined {
  const { images, image_tail } = input.metadata;
  const first = input.image && asUrlOrDataUri(input.image);
  if (endpoint === "img2video" && first) return [first];
  if (endpoint === "start-end2video" && first) return [first, viduImage(image_tail, "metadata.image_tail")];
  if (endpoint !== "reference2video" || (images === undefined && input.metadata.subjects !== undefined)) return undefined;
  if (!Array.isArray(images) || images.length < 1 || images.length > MAX_REFERENCE_IMAGES) {
    invalid("metadata.images", `metadata.images must be a list of 1 to ${MAX_REFERENCE_IMAGES} images (URLs or data URIs).`);
  }
  return images.map((image, i) => viduImage(image, `metadata.images[${i}]`));
}

/** Q3's audio fields, everyone's booleans: checked here, since Vidu refuses them field by field. */
function checkAudio(row: ModelRow<ViduRules>, meta: Record<string, unknown>): void {
  for (const name of ["audio", "bgm", "off_peak", "watermark"]) {
    if (meta[name] !== undefined && typeof meta[name] !== "boolean") invalid(`metadata.${name}`, `metadata.${name} must be true or false.`);
  }
  const id = row.spec.id;
  if (row.rules.audio) {
    if (meta.bgm !== undefined) invalid("metadata.bgm", `${id} takes no bgm; it makes its own audio (metadata.audio).`);
  } else {
    for (const name of ["audio", "voice_id", "audio_type"]) {
      if (meta[name] !== undefined) invalid(`metadata.${name}`, `${id} makes no audio of its own (Q3 models do); remove metadata.${name}.`);
    }
  }
  if (meta.voice_id !== undefined && (typeof meta.voice_id !== "string" || meta.voice_id === ""))
    invalid("metadata.voice_id", "metadata.voice_id must be a voice id.");
  // Its values are not verified (see the table): only the type is checked.
  if (meta.audio_type !== undefined && (typeof meta.audio_type !== "string" || meta.audio_type === ""))
    invalid("metadata.audio_type", "metadata.audio_type must be a string.");
  if ((meta.voice_id !== undefined || meta.audio_type !== undefined) && meta.audio === false) {
    invalid("metadata.audio", "metadata.voice_id and audio_type need audio; remove them or set metadata.audio true.");
  }
}

/**
 * The resolution Vidu renders when none is sent (vendor-protocols.md §3.3): vidu1.5/vidu2.0 their lowest at the
 * duration (360p at 4 s, 720p at 8 s), the others 720p (viduq1, 1080p only, its one resolution).
 */
function defaultResolution(row: ModelRow<ViduRules>, limits: ViduLimits): string {
  if (row.rules.lowestByDefault || !limits.resolutions.includes("720p")) return limits.resolutions[0]!;
  return "720p";
}

/**
 * Pure: unified request → Vidu create call. Metadata goes through as given; its duration, resolution and
 * aspect_ratio override the ones mapped from the request, after the same checks.
 */
export function planVidu(input: GenerationInput, row: ModelRow<ViduRules>, ctx: PlanContext): SubmitPlan {
  const model = row.spec;
  rejectReserved(input.metadata, RESERVED);
  const endpoint = endpointOf(input);
  unsupportedRoute(row, endpoint, row.rules.endpoints, needs, "text2video");
  if (endpoint === "reference2video" && input.prompt.trim() === "") {
    invalid("prompt", "Vidu reference-to-video needs a prompt.", "missing_required_field");
  }
  const { images: _images, image_tail: _tail, subjects, duration: metaDuration, resolution: metaResolution, aspect_ratio: metaRatio, ...rest } = input.metadata;
  checkAudio(row, rest);
  if (input.seed !== undefined && rest.seed !== undefined && rest.seed !== input.seed) {
    invalid("metadata.seed", "seed and metadata.seed differ; send one of them.");
  }

  const duration = (metaDuration ?? input.duration ?? model.default_duration) as number;
  const limits = limitsFor(row, endpoint, duration);
  const onEndpoint = `${model.id} ${ENDPOINT_NAME[endpoint]}`;
  if (!limits.durations.includes(duration)) {
    invalid(metaDuration === undefined ? "duration" : "metadata.duration", `${onEndpoint} takes duration ${limits.durations.join(", ")} (seconds).`);
  }
  if (metaResolution !== undefined && !limits.resolutions.includes(metaResolution as string)) {
    invalid("metadata.resolution", `${onEndpoint} at ${duration} s takes resolution ${limits.resolutions.join(", ")}.`);
  }
  const takesRatio = TAKES_ASPECT_RATIO.includes(endpoint);
  checkMetadataRatio("Vidu", metaRatio, model.aspect_ratios, takesRatio);

  const body: Record<string, unknown> = { model: model.id, duration };
  const images = imagesFor(endpoint, input);
  if (images) body.images = images;
  if (subjects !== undefined) body.subjects = subjectsFor(subjects);
  if (input.prompt !== "") body.prompt = input.prompt;
  if (input.seed !== undefined) body.seed = input.seed;
  const resolution = (metaResolution as string | undefined) ?? (input.size && resolutionFor(input.size, limits.resolutions));
  if (resolution) body.resolution = resolution;
  const output = { resolution: resolution || defaultResolution(row, limits), seconds: duration, audio: row.rules.audio === true && rest.audio !== false };
  const ratio = metaRatio ?? (input.size && takesRatio ? aspectRatioFor(input.size, model.aspect_ratios) : undefined);
  if (ratio) body.aspect_ratio = ratio;
  Object.assign(body, rest, { callback_url: ctx.callbackUrl });
  // Vidu echoes `payload`; unless the user set one, it carries our task id, so a submission whose answer was lost can
  // be found in Vidu's task list instead of being paid for twice. Polling needs only Vidu's own id.
  if (rest.payload === undefined || rest.payload === "") {
    body.payload = ctx.taskId;
    const ref = { since: new Date(ctx.createdMs - LOOKUP_SLACK_MS).toISOString() };
    return { call: { method: "POST", path: `/ent/v2/${endpoint}`, body }, ref, output };
  }
  return { call: { method: "POST", path: `/ent/v2/${endpoint}`, body }, ref: {}, output };
}

const ErrorEnvelope = v.object({ reason: v.string(), message: v.optional(v.string(), "") });
const Created = v.object({ task_id: v.pipe(v.string(), v.nonEmpty()), seed: v.nullish(v.pipe(v.number(), v.integer())) });
const ViduTask = v.object({
  state: v.string(),
  err_code: v.nullish(v.string()),
  creations: v.nullish(v.array(v.object({ url: v.nullish(v.string()), cover_url: v.nullish(v.string()) }))),
});

/** Vidu answers success with a bare object and anything else with its error envelope and a matching HTTP status. */
function refusal(reply: VendorReply, phase: "submit" | "poll"): Outcome | null {
  if (reply.status >= 200 && reply.status < 300) return null;
  const error = v.safeParse(ErrorEnvelope, reply.body);
  return error.success
    ? viduError(error.output.reason, error.output.message, reply.status, phase)
    : viduError("", "the answer was not Vidu's error envelope", reply.status, phase);
}

export function interpretViduSubmit(reply: VendorReply): Outcome {
  const refused = refusal(reply, "submit");
  if (refused) return refused;
  const created = v.safeParse(Created, reply.body);
  if (!created.success) return { kind: "transient", message: "Vidu accepted the task but sent no task_id" };
  // Vidu answers with the seed it really uses (a random one for seed 0): that is the one to report.
  const { task_id, seed } = created.output;
  return { kind: "accepted", upstreamId: task_id, ...(seed != null ? { seed } : {}) };
}

/** Maps one Vidu task (a query answer) to an outcome. */
function viduTaskOutcome(task: v.InferOutput<typeof ViduTask>): Outcome {
  switch (task.state) {
    case "created":
    case "queueing":
    case "processing":
      return { kind: "pending", vendorStatus: task.state, running: task.state === "processing" };
    case "success": {
      const creation = task.creations?.[0];
      if (!creation?.url) return { kind: "transient", message: "Vidu reported success without a video URL" };
      return { kind: "succeeded", videoUrl: creation.url, ...(creation.cover_url ? { coverUrl: creation.cover_url } : {}) };
    }
    case "failed": {
      const code = task.err_code || "no reason given";
      return VIDU_MODERATION.has(code) ? vendorFailure.moderation("Vidu", code) : vendorFailure.generation("Vidu", code);
    }
    default:
      // A state we have never seen is never taken for success: keep polling until the deadline.
      return { kind: "pending", vendorStatus: task.state, running: true };
  }
}

export function interpretViduPoll(reply: VendorReply): Outcome {
  const refused = refusal(reply, "poll");
  if (refused) return refused;
  const task = v.safeParse(ViduTask, reply.body);
  return task.success ? viduTaskOutcome(task.output) : { kind: "transient", message: "Vidu sent a task without state" };
}

export function viduPollCall(id: string): VendorCall {
  return { method: "GET", path: `/ent/v2/tasks/${encodeURIComponent(id)}/creations` };
}

/** Vidu cancels only tasks not yet scheduled; it answers `{}` or its error envelope. */
export function viduCancelCall(id: string): VendorCall {
  return { method: "POST", path: `/ent/v2/tasks/${encodeURIComponent(id)}/cancel`, body: { id } };
}

// The documented callback body is the Get shape, which names no task; deliveries carry `task_id` or `id`.
const ViduCallback = v.object({ task_id: v.nullish(v.string()), id: v.nullish(v.string()), state: v.string() });

/** Reads a callback body (untrusted) into the task id and state it reports; only a hint, confirmed by a query. */
export function readViduCallback(body: unknown): { upstreamId: string | null; status: string } | null {
  const parsed = v.safeParse(ViduCallback, body);
  // The documented body (the Get shape) has no id; the signed per-task URL already names the task.
  return parsed.success ? { upstreamId: parsed.output.task_id || parsed.output.id || null, status: parsed.output.state } : null;
}

const Listed = v.object({ tasks: v.array(v.object({ task_id: v.string(), payload: v.nullish(v.string()) })) });

/**
 * Vidu's task list since the task was made, to find a submission whose answer was lost by the `payload` it carries.
 * Only tasks whose payload is ours can be found (see planVidu); the others have no `since` and are not looked up.
 */
export function viduLookupCall(_taskId: string, ref: Record<string, string>): VendorCall {
  const query = new URLSearchParams({ "created_at.from": ref.since ?? "", "pager.page": "0", "pager.pagesz": String(LIST_PAGE) });
  return { method: "GET", path: `/ent/v2/tasks?${query}` };
}

export function interpretViduLookup(reply: VendorReply, taskId: string): Outcome {
  const refused = refusal(reply, "poll");
  if (refused) return { kind: "transient", message: `Vidu's task list could not be read: ${"message" in refused ? refused.message : refused.kind}` };
  const listed = v.safeParse(Listed, reply.body);
  if (!listed.success) return { kind: "transient", message: "Vidu's task list was not readable" };
  const mine = listed.output.tasks.find((t) => t.payload === taskId);
  if (mine) return { kind: "accepted", upstreamId: mine.task_id };
  // A full page may hide it on the next one: that is not proof the submission never arrived.
  return listed.output.tasks.length < LIST_PAGE ? { kind: "absent" } : { kind: "transient", message: "Vidu's task list is too long to be sure" };
}
