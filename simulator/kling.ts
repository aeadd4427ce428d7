// Kling (vendor-protocols.md §1): HS256 JWT auth, the video families of §1.3 (and the motion-control one it lists as also documented), {code,message,request_id,data} envelopes.

import { randomBytes, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { decodeJwt, errors, jwtVerify } from "jose";
import { type AccountState, accountByAccess, type SimAccount } from "./accounts.ts";
import { chaosOnCreate, chaosOnQuery, dropAnswer } from "./chaos.ts";
import type { Sim, SimTask, VendorProtocol } from "./core.ts";
import { addTask, atCapacity, beginCreate, firstBusy, mediaUrl, triggersOf } from "./core.ts";
import { applyFault } from "./faults.ts";
import { SAMPLE_DURATION } from "./files.ts";
import type { SimRequest } from "./http.ts";
import { header, sendJson } from "./http.ts";
import type { Body } from "./validate.ts";
import { bool, checkImage, decodeBase64, FieldError, httpUrl, isHttpUrl, isObject, list, num, obj, parseJsonObject, peekJson, str } from "./validate.ts";

type Family = "text2video" | "image2video" | "multi-image2video" | "omni-video" | "motion-control";

const FAMILIES: Record<Family, { models: readonly string[]; defaultModel: string }> = {
  text2video: {
    models: ["kling-v1", "kling-v1-6", "kling-v2-master", "kling-v2-1-master", "kling-v2-5-turbo", "kling-v2-6", "kling-v3"],
    defaultModel: "kling-v1",
  },
  image2video: {
    models: ["kling-v1", "kling-v1-5", "kling-v1-6", "kling-v2-master", "kling-v2-1", "kling-v2-1-master", "kling-v2-5-turbo", "kling-v2-6", "kling-v3"],
    defaultModel: "kling-v1",
  },
  "multi-image2video": { models: ["kling-v1-6"], defaultModel: "kling-v1-6" },
  "omni-video": { models: ["kling-video-o1", "kling-v3-omni"], defaultModel: "kling-video-o1" },
  // Motion Control reference: model_name optional, default kling-v2-6, enum kling-v2-6 | kling-v3.
  "motion-control": { models: ["kling-v2-6", "kling-v3"], defaultModel: "kling-v2-6" },
};

type Mode = "std" | "pro";
interface ModelRule {
  durations: readonly string[];
  /** `sound: "on"`: in pro mode only (v2.6), or in either mode. */
  sound?: "pro" | "any";
  /** image_tail (first + last frame): the modes and durations that do it; absent = refused. */
  tail?: { modes: readonly Mode[]; durations?: readonly string[]; silent?: boolean };
  multiShot?: boolean;
  /** Omni: text alone or a first frame alone renders only these. */
  basic?: readonly string[];
  /** Motion brush (static_mask / dynamic_masks): the capability map's 运动笔刷 cells; absent = refused. */
  brush?: { modes: readonly Mode[]; durations: readonly string[] };
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
const CLASSIC = ["5", "10"];
/**
 * Per model, from Kling's capability map (能力地图, official page copied in WHQ25/rawgenai capability-map.md), the Omni
 * (O1) reference and, for v3 / v3-omni, the current docs' "3"…"15". Written apart from src/providers/kling on purpose.
 */
const MODELS: Record<string, ModelRule> = {
  "kling-v1": { durations: CLASSIC, tail: { modes: ["std", "pro"], durations: ["5"] }, brush: { modes: ["std", "pro"], durations: ["5"] } },
  "kling-v1-5": { durations: CLASSIC, tail: { modes: ["pro"] }, brush: { modes: ["pro"], durations: ["5"] } },
  "kling-v1-6": { durations: CLASSIC, tail: { modes: ["pro"] } },
  "kling-v2-master": { durations: CLASSIC },
  "kling-v2-1": { durations: CLASSIC, tail: { modes: ["pro"] } },
  "kling-v2-1-master": { durations: CLASSIC },
  "kling-v2-5-turbo": { durations: CLASSIC, tail: { modes: ["pro"] } },
  // Other durations on v2.6 are motion control only; std is silent.
  "kling-v2-6": { durations: CLASSIC, sound: "pro", tail: { modes: ["pro"], silent: true } },
  "kling-v3": { durations: range(3, 15), sound: "any", multiShot: true, tail: { modes: ["std", "pro"] } },
  "kling-video-o1": { durations: range(3, 10), basic: CLASSIC, tail: { modes: ["std", "pro"] } },
  // The 3.0 spec: Omni's sound is "off" only when there is a reference video; kling-video-o1 has no sound.
  "kling-v3-omni": { durations: range(3, 15), sound: "any", multiShot: true, tail: { modes: ["std", "pro"] } },
};
const ASPECT_RATIOS = ["16:9", "9:16", "1:1"] as const;
const CAMERA_TYPES = ["simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward"] as const;
const CAMERA_AXES = ["horizontal", "vertical", "pan", "tilt", "roll", "zoom"] as const;
const BASE64_MESSAGE = "File is not in a valid base64 format";

interface KlingError {
  status: number;
  code: number;
  message: string;
}

export const kling: VendorProtocol = {
  vendor: "kling",
  handle,
  state: (task) => {
    switch (task.phase) {
      case "created":
      case "queued":
        return "submitted";
      case "running":
        return "processing";
      case "succeeded":
        return "succeed";
      default:
        return "failed";
    }
  },
  faultBody: (status) => ({ ...errorFor(status), request_id: randomUUID() }),
  // §1.6: 1302 request rate too high, 1303 concurrency above the resource pack's limit.
  busyAnswers: () => [
    { code: 1302, message: "request rate too high", request_id: randomUUID() },
    { code: 1303, message: "parallel task over resource pack limit", request_id: randomUUID() },
  ],
  policyFailure: { message: "Failure to pass the risk control system" },
  genericFailure: { message: "Task failed due to an internal error, please try again later" },
  // §1.7: the task object itself, unsigned; retries are undocumented, so none.
  callback: { states: ["processing", "succeed", "failed"], retried: [], retries: 0, body: taskObject, headers: () => ({}) },
};

function errorFor(status: number): Omit<KlingError, "status"> {
  const table: Record<number, [number, string]> = {
    400: [1200, "Invalid request parameters"],
    401: [1000, "Authentication failed"],
    403: [1103, "No access to the requested resource"],
    404: [1203, "Requested resource does not exist"],
    429: [1303, "parallel task over resource pack limit"],
    503: [5001, "Service temporarily unavailable, under maintenance"],
    504: [5002, "Server internal timeout"],
  };
  const [code, message] = table[status] ?? [5000, "Server internal error"];
  return { code, message };
}

function fail(res: ServerResponse, e: KlingError): void {
  sendJson(res, e.status, { code: e.code, message: e.message, request_id: randomUUID() });
}

/** What an account in each state answers a create (§1.6): 1102 out of credit, 1303 concurrency, 1100 account exception. */
const ACCOUNT_REFUSALS: Partial<Record<AccountState, KlingError>> = {
  no_credit: { status: 429, code: 1102, message: "Account balance not enough" },
  busy: { status: 429, code: 1303, message: "parallel task over resource pack limit" },
  suspended: { status: 429, code: 1100, message: "account exception" },
};

async function handle(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  if (!req.url.pathname.startsWith("/v1/")) return false;
  const auth = await authenticate(sim, header(req.headers, "authorization"));
  if ("status" in auth) {
    sim.stats.kling.unauthorized++;
    fail(res, auth);
    return true;
  }
  const account = auth;
  const m = /^\/v1\/videos\/(text2video|image2video|multi-image2video|omni-video|motion-control)(?:\/([^/]+))?\/?$/.exec(req.url.pathname);
  if (!m) {
    fail(res, { status: 404, code: 1203, message: `Resource ${req.url.pathname} does not exist` });
    return true;
  }
  const family = m[1] as Family;
  const id = m[2] ? decodeURIComponent(m[2]) : undefined;
  if (req.method === "POST" && !id) await create(sim, req, res, family, account);
  else if (req.method === "GET" && id) await query(sim, res, family, id, account);
  else if (req.method === "GET") listTasks(sim, req, res, family, account);
  else fail(res, { status: 404, code: 1202, message: `Invalid request method ${req.method} for ${req.url.pathname}` });
  return true;
}

// ---- auth (§1.2) --------------------------------------------------------------------------------

/** The calling account, found by the token's `iss` (its access key) and checked with that account's secret key. */
async function authenticate(sim: Sim, authorization: string | undefined): Promise<KlingError | SimAccount> {
  const e = (code: number, message: string): KlingError => ({ status: 401, code, message });
  if (!authorization || authorization.trim() === "") return e(1001, "Authorization header is empty");
  const m = /^Bearer ([^\s]+)$/.exec(authorization);
  if (!m) return e(1002, 'Authorization header is invalid: expected "Bearer <token>"');
  let iss: string | undefined;
  try {
    iss = decodeJwt(m[1]!).iss;
  } catch (err) {
    return e(1002, `Authorization token is invalid: ${err instanceof Error ? err.message : "malformed"}`);
  }
  const account = accountByAccess(sim.accounts, "kling", iss);
  if (!account) return e(1002, "Authorization token is invalid: unknown access key (iss)");
  try {
    await jwtVerify(m[1]!, new TextEncoder().encode(account.secret), { algorithms: ["HS256"], requiredClaims: ["exp"] });
  } catch (err) {
    if (err instanceof errors.JWTExpired) return e(1004, "Authorization token has expired");
    if (err instanceof errors.JWTClaimValidationFailed && err.claim === "nbf") {
      return e(1003, "Authorization token is not yet valid (nbf is in the future)");
    }
    return e(1002, `Authorization token is invalid: ${err instanceof Error ? err.message : "malformed"}`);
  }
  // A revoked access key fails as Kling's plain authentication failure.
  return account.state === "revoked" ? e(1000, "Authentication failed") : account;
}

// ---- create (§1.4, §1.5) ------------------------------------------------------------------------

async function create(sim: Sim, req: SimRequest, res: ServerResponse, family: Family, account: SimAccount): Promise<void> {
  const peek = peekJson(req.body);
  const externalId = typeof peek?.external_task_id === "string" ? peek.external_task_id : undefined;
  const stat = beginCreate(sim, "kling", { account: account.name, externalId, prompt: peek?.prompt });
  if (await applyFault(sim, kling, "create", res)) return;
  const chaos = chaosOnCreate(sim, kling, res);
  if (chaos === "answered") return;
  let body: Body;
  let spec: Validated;
  try {
    body = parseJsonObject(req.body);
    spec = validate(sim, family, body);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    const code = err.field === "body" ? 1200 : 1201;
    return fail(res, { status: 400, code, message: err.message });
  }
  if (
    spec.externalId !== undefined &&
    [...sim.tasks.values()].some((t) => t.vendor === "kling" && t.account === account.name && t.externalId === spec.externalId)
  ) {
    return fail(res, { status: 400, code: 1201, message: `external_task_id "${spec.externalId}" already exists` });
  }
  if (triggersOf(body.prompt).has("refuse")) {
    return fail(res, { status: 400, code: 1301, message: "Failure to pass the risk control system: prompt violates the content security policy" });
  }
  const refusal = ACCOUNT_REFUSALS[account.state];
  if (refusal) return fail(res, refusal);
  if (firstBusy(sim, "kling", body.prompt) || atCapacity(sim, "kling")) {
    return fail(res, { status: 429, code: 1303, message: "parallel task over resource pack limit" });
  }
  const task = addTask(sim, "kling", {
    id: randomBytes(12).toString("base64url"),
    account: account.name,
    kind: family,
    prompt: body.prompt,
    externalId: spec.externalId,
    callbackUrl: spec.callbackUrl,
    request: body,
    extra: { videoId: randomUUID(), units: spec.units },
  });
  stat.accept();
  if (chaos === "drop") return dropAnswer(sim, "kling", res);
  const data: Body = { task_id: task.id };
  // multi-image2video's create answer has no task_info (§1.5).
  if (family !== "multi-image2video") data.task_info = task.externalId !== undefined ? { external_task_id: task.externalId } : {};
  Object.assign(data, { task_status: "submitted", created_at: task.createdAt, updated_at: task.updatedAt });
  sendJson(res, 200, { code: 0, message: "SUCCEED", request_id: randomUUID(), data });
}

interface Validated {
  externalId?: string;
  callbackUrl?: string;
  units: string;
}

/** Checks the documented fields of one family; unknown fields are ignored, as Kling does. */
function validate(sim: Sim, family: Family, body: Body): Validated {
  const fam = FAMILIES[family];
  // The legacy `model` field is not read: it behaves like an empty model_name, i.e. the family default.
  const model = str(body, "model_name") || fam.defaultModel;
  if (!fam.models.includes(model)) {
    throw new FieldError("invalid", "model_name", `model_name "${model}" is not supported by ${family}; use one of ${fam.models.join(", ")}`);
  }
  const rule = MODELS[model]!;
  const durations: readonly string[] = family === "multi-image2video" ? CLASSIC : rule.durations;
  if (family === "omni-video") return validateOmni(sim, body, model, rule);
  if (family === "motion-control") return validateMotionControl(sim, body);
  if (body.duration !== undefined && typeof body.duration !== "string") {
    throw new FieldError("invalid", "duration", `duration must be a string such as "5", got ${JSON.stringify(body.duration)}`);
  }
  const duration = str(body, "duration", { oneOf: durations }) ?? "5";
  const mode = str(body, "mode", { oneOf: ["std", "pro"] }) ?? "std";
  if (body.multi_shot !== undefined && !rule.multiShot) throw new FieldError("invalid", "multi_shot", `multi_shot is not supported by ${model}`);
  const multiShot = family !== "multi-image2video" && bool(body, "multi_shot") === true;
  const shotType = multiShot ? str(body, "shot_type", { required: true, oneOf: ["customize", "intelligence"] }) : undefined;
  const promptRequired = family === "multi-image2video" || (family === "text2video" && shotType !== "customize");
  str(body, "prompt", { required: promptRequired, max: 2500 });
  str(body, "negative_prompt", { max: 2500 });
  num(body, "cfg_scale", { min: 0, max: 1 });
  if (family !== "image2video") str(body, "aspect_ratio", { oneOf: ASPECT_RATIOS });
  const wm = obj(body, "watermark_info");
  if (wm) bool(wm, "enabled", "watermark_info.enabled");
  const callbackUrl = httpUrl(body, "callback_url");
  const externalId = str(body, "external_task_id");

  if (family !== "multi-image2video") {
    const sound = str(body, "sound", { oneOf: ["on", "off"] });
    if (sound !== undefined && !rule.sound) throw new FieldError("invalid", "sound", `sound is not supported by ${model}`);
    if (sound === "on" && rule.sound === "pro" && mode !== "pro") throw new FieldError("invalid", "sound", `sound "on" needs mode "pro" on ${model}`);
    const hasTail = body.image_tail !== undefined && body.image_tail !== null && body.image_tail !== "";
    if (hasTail) checkTail(rule, model, mode as Mode, duration, sound === "on");
    if (shotType === "customize") checkMultiPrompt(body, Number(duration));
    checkCameraControl(body);
  }
  if (family === "image2video") checkImage2Video(sim, body, model, rule, mode as Mode, duration);
  if (family === "multi-image2video") {
    const images = list(body, "image_list", { required: true, min: 1, max: 4 })!;
    images.forEach((item, i) => {
      if (!isObject(item)) throw new FieldError("invalid", "image_list", `image_list[${i}] must be an object {image}`);
      checkKlingImage(sim, `image_list[${i}].image`, item.image, true);
    });
  }
  const units = (Number(duration) / 5) * (mode === "pro" ? 2 : 1);
  return { externalId, callbackUrl, units: String(units) };
}

function checkTail(rule: ModelRule, model: string, mode: Mode, duration: string, sound: boolean): void {
  const tail = rule.tail;
  if (!tail) throw new FieldError("invalid", "image_tail", `image_tail is not supported by ${model}`);
  if (!tail.modes.includes(mode)) throw new FieldError("invalid", "image_tail", `image_tail needs mode ${tail.modes.join(" or ")} on ${model}`);
  if (tail.durations && !tail.durations.includes(duration))
    throw new FieldError("invalid", "image_tail", `image_tail needs duration ${tail.durations.join(" or ")} on ${model}`);
  if (sound && tail.silent) throw new FieldError("invalid", "sound", `image_tail videos of ${model} have no sound`);
}

/** Omni-Video (O1): image_list {image_url, type}, video_list, durations by scenario (O1 FAQ). */
function validateOmni(sim: Sim, body: Body, model: string, rule: ModelRule): Validated {
  str(body, "prompt", { required: true, max: 2500 });
  const mode = str(body, "mode", { oneOf: ["std", "pro"] }) ?? "pro";
  const videos = list(body, "video_list", { max: 1 }) ?? [];
  let editing = false;
  videos.forEach((video, i) => {
    if (!isObject(video)) throw new FieldError("invalid", `video_list[${i}]`, `video_list[${i}] must be an object`);
    const url = str(video, "video_url", { label: `video_list[${i}].video_url`, required: true })!;
    if (!isHttpUrl(url)) throw new FieldError("invalid", `video_list[${i}].video_url`, "video_url must be an http(s) URL");
    editing = str(video, "refer_type", { label: `video_list[${i}].refer_type`, oneOf: ["feature", "base"] }) === "base";
    str(video, "keep_original_sound", { label: `video_list[${i}].keep_original_sound`, oneOf: ["yes", "no"] });
  });
  const images = list(body, "image_list", { max: videos.length ? 4 : 7 }) ?? [];
  const types = images.map((item, i) => {
    if (!isObject(item)) throw new FieldError("invalid", `image_list[${i}]`, `image_list[${i}] must be an object {image_url, type}`);
    checkKlingImage(sim, `image_list[${i}].image_url`, item.image_url, true);
    return str(item, "type", { label: `image_list[${i}].type`, oneOf: ["first_frame", "end_frame"] });
  });
  const tail = types.includes("end_frame");
  if (tail && !types.includes("first_frame")) throw new FieldError("invalid", "image_list", "an end_frame needs a first_frame");
  if (tail && images.length > 2) throw new FieldError("invalid", "image_list", "end_frame is not supported with more than 2 images");
  if (tail) checkTail(rule, model, mode as Mode, String(body.duration ?? "5"), false);
  const first = types.includes("first_frame");
  if (body.duration !== undefined && typeof body.duration !== "string") throw new FieldError("invalid", "duration", "duration must be a string");
  const basic = videos.length === 0 && images.every((_, i) => types[i] === "first_frame");
  const duration = editing ? undefined : (str(body, "duration", { oneOf: basic && rule.basic ? rule.basic : rule.durations }) ?? "5");
  if (!first && !editing) str(body, "aspect_ratio", { required: true, oneOf: ASPECT_RATIOS });
  else if (body.aspect_ratio !== undefined)
    throw new FieldError("invalid", "aspect_ratio", "aspect_ratio is not supported with a first frame or a video to edit");
  if (body.multi_shot !== undefined && !rule.multiShot) throw new FieldError("invalid", "multi_shot", `multi_shot is not supported by ${model}`);
  const sound = str(body, "sound", { oneOf: ["on", "off"] });
  if (sound !== undefined && !rule.sound) throw new FieldError("invalid", "sound", `sound is not supported by ${model}`);
  if (sound === "on" && videos.length) throw new FieldError("invalid", "sound", "sound can only be off when video_list is given");
  const wm = obj(body, "watermark_info");
  if (wm) bool(wm, "enabled", "watermark_info.enabled");
  const units = ((Number(duration ?? "5") / 5) * (mode === "pro" ? 2 : 1)).toString();
  return { externalId: str(body, "external_task_id"), callbackUrl: httpUrl(body, "callback_url"), units };
}

/**
 * Motion Control: image_url + video_url (required), character_orientation and mode (required), keep_original_sound,
 * prompt, watermark_info. No duration: the output follows the reference video (image ≤10 s, video ≤30 s).
 */
function validateMotionControl(sim: Sim, body: Body): Validated {
  str(body, "prompt", { max: 2500 });
  checkKlingImage(sim, "image_url", body.image_url, true);
  const url = str(body, "video_url", { required: true })!;
  if (!isHttpUrl(url)) throw new FieldError("invalid", "video_url", "video_url must be an http(s) URL");
  const orientation = str(body, "character_orientation", { required: true, oneOf: ["image", "video"] })!;
  const mode = str(body, "mode", { required: true, oneOf: ["std", "pro"] })!;
  str(body, "keep_original_sound", { oneOf: ["yes", "no"] });
  const wm = obj(body, "watermark_info");
  if (wm) bool(wm, "enabled", "watermark_info.enabled");
  // Billed by the rendered length, unknown here: the longest the orientation allows.
  const units = (((orientation === "video" ? 30 : 10) / 5) * (mode === "pro" ? 2 : 1)).toString();
  return { externalId: str(body, "external_task_id"), callbackUrl: httpUrl(body, "callback_url"), units };
}

function checkMultiPrompt(body: Body, total: number): void {
  const shots = list(body, "multi_prompt", { required: true, min: 1, max: 6 })!;
  let sum = 0;
  shots.forEach((shot, i) => {
    const label = `multi_prompt[${i}]`;
    if (!isObject(shot)) throw new FieldError("invalid", label, `${label} must be an object {index, prompt, duration}`);
    num(shot, "index", { label: `${label}.index`, required: true, integer: true });
    str(shot, "prompt", { label: `${label}.prompt`, required: true, max: 512 });
    const d = shot.duration;
    if (typeof d !== "string" || !/^\d+$/.test(d)) throw new FieldError("invalid", `${label}.duration`, `${label}.duration must be a string of seconds`);
    sum += Number(d);
  });
  if (sum !== total) throw new FieldError("invalid", "multi_prompt", `multi_prompt durations add up to ${sum}, but duration is ${total}`);
}

function checkCameraControl(body: Body): void {
  const cc = obj(body, "camera_control");
  if (!cc) return;
  const type = str(cc, "type", { label: "camera_control.type", required: true, oneOf: CAMERA_TYPES });
  const config = obj(cc, "config", "camera_control.config");
  if (type !== "simple") {
    if (config) throw new FieldError("invalid", "camera_control.config", `camera_control.config is only allowed with type "simple"`);
    return;
  }
  if (!config) throw new FieldError("missing", "camera_control.config", `camera_control.config is required with type "simple"`);
  let nonZero = 0;
  for (const axis of CAMERA_AXES) {
    const v = num(config, axis, { label: `camera_control.config.${axis}`, min: -10, max: 10 });
    if (v) nonZero++;
  }
  if (nonZero !== 1) throw new FieldError("invalid", "camera_control.config", "camera_control.config must have exactly one non-zero value");
}

function checkImage2Video(sim: Sim, body: Body, model: string, rule: ModelRule, mode: Mode, duration: string): void {
  const hasImage = body.image !== undefined && body.image !== null && body.image !== "";
  const hasTail = body.image_tail !== undefined && body.image_tail !== null && body.image_tail !== "";
  if (!hasImage && !hasTail) throw new FieldError("missing", "image", "image or image_tail is required");
  if (hasImage) checkKlingImage(sim, "image", body.image, true);
  if (hasTail) checkKlingImage(sim, "image_tail", body.image_tail, true);
  const hasCamera = body.camera_control !== undefined && body.camera_control !== null;
  const hasStatic = body.static_mask !== undefined && body.static_mask !== null && body.static_mask !== "";
  const masks = list(body, "dynamic_masks", { max: 6 });
  const hasMasks = hasStatic || (masks !== undefined && masks.length > 0);
  if (hasTail && (hasCamera || hasMasks)) {
    throw new FieldError("invalid", "image_tail", "image_tail cannot be combined with camera_control, static_mask or dynamic_masks");
  }
  if (hasCamera && hasMasks) throw new FieldError("invalid", "camera_control", "camera_control cannot be combined with static_mask or dynamic_masks");
  if (hasMasks) {
    const field = hasStatic ? "static_mask" : "dynamic_masks";
    if (!rule.brush) throw new FieldError("invalid", field, `${field} is not supported by ${model}`);
    if (!rule.brush.modes.includes(mode)) throw new FieldError("invalid", field, `${field} needs mode ${rule.brush.modes.join(" or ")} on ${model}`);
    if (!rule.brush.durations.includes(duration))
      throw new FieldError("invalid", field, `${field} needs duration ${rule.brush.durations.join(" or ")} on ${model}`);
    if (!hasImage) throw new FieldError("missing", "image", `${field} needs image`);
  }
  if (hasStatic) checkKlingImage(sim, "static_mask", body.static_mask, false);
  masks?.forEach((group, i) => {
    const label = `dynamic_masks[${i}]`;
    if (!isObject(group)) throw new FieldError("invalid", label, `${label} must be an object {mask, trajectories}`);
    checkKlingImage(sim, `${label}.mask`, group.mask, false);
    const points = list(group, "trajectories", { label: `${label}.trajectories`, required: true, min: 2, max: 77 })!;
    points.forEach((p, j) => {
      if (!isObject(p)) throw new FieldError("invalid", `${label}.trajectories[${j}]`, `${label}.trajectories[${j}] must be {x, y}`);
      num(p, "x", { label: `${label}.trajectories[${j}].x`, required: true, integer: true });
      num(p, "y", { label: `${label}.trajectories[${j}].y`, required: true, integer: true });
    });
  });
  const elements = list(body, "element_list", { max: 3 });
  const voices = list(body, "voice_list", { max: 2 });
  if (elements?.length && voices?.length) throw new FieldError("invalid", "voice_list", "voice_list cannot be combined with element_list");
  if (voices?.length && body.sound !== "on") throw new FieldError("invalid", "voice_list", 'voice_list needs sound "on"');
}

/** Kling takes an http(s) URL or RAW base64; a data: URI is the classic mistake (§1.4). */
function checkKlingImage(sim: Sim, field: string, value: unknown, isFrame: boolean): void {
  if (typeof value !== "string" || value === "") throw new FieldError("missing", field, `${field} must be an image URL or base64 string`);
  if (isHttpUrl(value)) return;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith("data:")) {
    throw new FieldError("invalid", field, `${field} must be an http(s) URL or raw base64`);
  }
  const data = value.startsWith("data:") ? null : decodeBase64(value);
  if (!data) throw new FieldError("format", field, `${BASE64_MESSAGE} (${field})`);
  if (sim.config.checkImages) {
    checkImage(
      field,
      data,
      isFrame ? { types: ["png", "jpeg"], maxBytes: 10 * 1024 * 1024, minSide: 300, maxRatio: 2.5 } : { types: ["png", "jpeg"], maxBytes: 10 * 1024 * 1024 },
    );
  }
}

// ---- query and list ------------------------------------------------------------------------------

async function query(sim: Sim, res: ServerResponse, family: Family, id: string, account: SimAccount): Promise<void> {
  sim.stats.kling.query++;
  if (await applyFault(sim, kling, "query", res)) return;
  if (chaosOnQuery(sim, kling, res)) return;
  const task = findTask(sim, family, id, account);
  if (!task) return fail(res, { status: 404, code: 1203, message: `Task ${id} does not exist` });
  sendJson(res, 200, { code: 0, message: "SUCCEED", request_id: randomUUID(), data: taskObject(sim, task) });
}

/** Only the account's own tasks of the family that created them are visible (§1.3); either id works in the path. */
function findTask(sim: Sim, family: Family, id: string, account: SimAccount): SimTask | undefined {
  const mine = (t: SimTask) => t.vendor === "kling" && t.kind === family && t.account === account.name;
  const direct = sim.tasks.get(id);
  if (direct && mine(direct)) return direct;
  for (const t of sim.tasks.values()) if (mine(t) && t.externalId === id) return t;
  return undefined;
}

function listTasks(sim: Sim, req: SimRequest, res: ServerResponse, family: Family, account: SimAccount): void {
  sim.stats.kling.list++;
  if (chaosOnQuery(sim, kling, res)) return;
  const page = (name: string, def: number, max: number): number => {
    const raw = req.url.searchParams.get(name);
    if (raw === null || raw === "") return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new FieldError("invalid", name, `${name} must be an integer from 1 to ${max}`);
    return n;
  };
  let pageNum: number;
  let pageSize: number;
  try {
    pageNum = page("pageNum", 1, 1000);
    pageSize = page("pageSize", 30, 500);
  } catch (err) {
    return fail(res, { status: 400, code: 1201, message: (err as Error).message });
  }
  const all = [...sim.tasks.values()]
    .filter((t) => t.vendor === "kling" && t.kind === family && t.account === account.name)
    .sort((a, b) => b.createdAt - a.createdAt);
  const data = all.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((t) => taskObject(sim, t));
  sendJson(res, 200, { code: 0, message: "SUCCEED", request_id: randomUUID(), data });
}

/** The `data` of a query, and the whole body of a callback (§1.5, §1.7). */
function taskObject(sim: Sim, task: SimTask): Body {
  const o: Body = {
    task_id: task.id,
    task_status: kling.state(task),
    task_status_msg: task.failure?.message ?? "",
    task_info: task.externalId !== undefined ? { external_task_id: task.externalId } : {},
    created_at: task.createdAt,
    updated_at: task.updatedAt,
  };
  const wm = task.request.watermark_info;
  const watermark = isObject(wm) && wm.enabled === true;
  if (isObject(wm)) o.watermark_info = { enabled: watermark };
  if (task.phase === "succeeded") {
    const url = mediaUrl(sim, task, "mp4");
    const video: Body = { id: task.extra.videoId, url, duration: SAMPLE_DURATION };
    if (watermark) video.watermark_url = url;
    o.task_result = { videos: [video] };
    o.final_unit_deduction = task.extra.units;
  }
  return o;
}
