// Volcengine Ark's content-generation task API for Seedance (reference/ark-seedance.md): Bearer API key,
// POST/GET/DELETE /api/v3/contents/generations/tasks[/{id}], bare task objects, {"error":{code,message,param,type}}
// errors, and unsigned callbacks of the query body. New-style top-level fields are strictly validated per model,
// as Ark documents ("a wrong value returns an error"), so a wrong gateway table is caught here.

import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type AccountState, accountByAccess, type SimAccount } from "./accounts.ts";
import type { Sim, SimTask, VendorProtocol } from "./core.ts";
import { addTask, atCapacity, beginCreate, finish, firstBusy, mediaUrl, triggersOf } from "./core.ts";
import { applyFault } from "./faults.ts";
import type { SimRequest } from "./http.ts";
import { header, sendJson } from "./http.ts";
import type { Body } from "./validate.ts";
import { bool, checkImage, FieldError, httpUrl, isHttpUrl, isObject, list, num, parseDataUri, parseJsonObject, str } from "./validate.ts";

type Scenario = "text" | "first_frame" | "first_last_frame" | "reference_images";

interface ModelRule {
  scenarios: readonly Scenario[];
  durations: [number, number];
  /** duration -1 (the model decides): 1.5 pro and 2.x. */
  auto: boolean;
  resolutions: readonly string[];
  defaultResolution: string;
  maxRefs: number;
  /** Resolutions allowed with reference images, when narrower. */
  refResolutions?: readonly string[];
  adaptive: readonly Scenario[];
  audio: boolean;
  cameraFixed: boolean;
  flex: boolean;
  priority: boolean;
  frames: boolean;
  seed: boolean;
}

const RES = ["480p", "720p", "1080p"];
const v1 = { auto: false, audio: false, cameraFixed: true, flex: true, priority: false, frames: true, seed: true, maxRefs: 0 };
const v2 = { auto: true, audio: true, cameraFixed: false, flex: false, priority: true, frames: false, seed: true, maxRefs: 9 };
// §4 capability table ([V BP] for 1.x; [S S1] for 2.x). Written apart from src/providers/ark on purpose.
const MODELS: Record<string, ModelRule> = {
  "doubao-seedance-1-0-pro-250528": {
    ...v1,
    scenarios: ["text", "first_frame", "first_last_frame"],
    durations: [2, 12],
    resolutions: RES,
    defaultResolution: "1080p",
    adaptive: ["first_frame", "first_last_frame"],
  },
  "doubao-seedance-1-0-pro-fast-251015": {
    ...v1,
    scenarios: ["text", "first_frame"],
    durations: [2, 12],
    resolutions: RES,
    defaultResolution: "1080p",
    adaptive: ["first_frame"],
  },
  "doubao-seedance-1-0-lite-t2v-250428": { ...v1, scenarios: ["text"], durations: [2, 12], resolutions: RES, defaultResolution: "720p", adaptive: [] },
  "doubao-seedance-1-0-lite-i2v-250428": {
    ...v1,
    scenarios: ["first_frame", "first_last_frame", "reference_images"],
    durations: [2, 12],
    resolutions: RES,
    defaultResolution: "720p",
    maxRefs: 4,
    refResolutions: ["480p", "720p"],
    adaptive: ["first_frame", "first_last_frame"],
  },
  "doubao-seedance-1-5-pro-251215": {
    ...v1,
    auto: true,
    audio: true,
    frames: false,
    scenarios: ["text", "first_frame", "first_last_frame"],
    durations: [4, 12],
    resolutions: RES,
    defaultResolution: "720p",
    adaptive: ["text", "first_frame", "first_last_frame"],
  },
  "doubao-seedance-2-0-260128": {
    ...v2,
    scenarios: ["text", "first_frame", "first_last_frame", "reference_images"],
    durations: [4, 15],
    resolutions: [...RES, "4k"],
    defaultResolution: "720p",
    adaptive: ["text", "first_frame", "first_last_frame", "reference_images"],
  },
  "doubao-seedance-2-0-fast-260128": {
    ...v2,
    scenarios: ["text", "first_frame", "first_last_frame", "reference_images"],
    durations: [4, 15],
    resolutions: ["480p", "720p"],
    defaultResolution: "720p",
    adaptive: ["text", "first_frame", "first_last_frame", "reference_images"],
  },
};
const RATIOS = ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9"];
/** The top-level fields Ark's create takes (§3.1); anything else is refused as unsupported. */
const FIELDS = new Set([
  "model",
  "content",
  "callback_url",
  "return_last_frame",
  "service_tier",
  "execution_expires_after",
  "generate_audio",
  "draft",
  "resolution",
  "ratio",
  "duration",
  "frames",
  "seed",
  "camera_fixed",
  "watermark",
  "priority",
  "safety_identifier",
  "tools",
]);
const IMAGE_TYPES = ["png", "jpeg", "webp"] as const;
const CANCELLED = "Cancelled";

export const ark: VendorProtocol = {
  vendor: "ark",
  handle,
  state: (task) => {
    if (task.failure?.code === CANCELLED) return "cancelled";
    return ({ created: "queued", queued: "queued", running: "running", succeeded: "succeeded", failed: "failed" } as const)[task.phase];
  },
  faultBody: (status) => {
    const table: Record<number, [string, string]> = {
      400: ["InvalidParameter", "BadRequest"],
      401: ["AuthenticationError", "Unauthorized"],
      403: ["AccessDenied", "Forbidden"],
      404: ["InvalidEndpointOrModel.NotFound", "NotFound"],
      429: ["ServerOverloaded", "TooManyRequests"],
    };
    const [code, type] = table[status] ?? ["InternalServiceError", "InternalServerError"];
    return errorBody(code, "simulated fault", "", type);
  },
  // §10: 429 TooManyRequests for rate limits and a full queue (QuotaExceeded "…too many tasks in queued").
  busyAnswers: () => [
    errorBody("ServerOverloaded", "The service is currently unable to handle additional requests.", "", "TooManyRequests"),
    errorBody("QuotaExceeded", "The request has exceeded the quota.", "", "TooManyRequests"),
  ],
  policyFailure: { code: "OutputVideoSensitiveContentDetected", message: "The request failed because the output video may contain sensitive information." },
  genericFailure: { code: "InternalServiceError", message: "The service encountered an unexpected internal error." },
  // §9: every status change but cancelled is posted; succeeded/failed are retried three times; no signature.
  callback: {
    states: ["queued", "running", "succeeded", "failed", "expired"],
    retried: ["succeeded", "failed"],
    retries: 3,
    body: taskView,
    headers: () => ({}),
  },
};

/** `02` + 13-digit ms + 38 hex characters (§1). */
function requestId(): string {
  return `02${Date.now()}${randomBytes(19).toString("hex")}`;
}

function errorBody(code: string, message: string, param: string, type: string): Body {
  return { error: { code, message: `${message} Request id: ${requestId()}`, param, type } };
}

function fail(res: ServerResponse, status: number, code: string, message: string, param = "", type = "BadRequest"): void {
  sendJson(res, status, errorBody(code, message, param, type));
}

/** `cgt-<yyyyMMddHHmmss in UTC+8>-<5 of [a-z0-9]>` (§5). */
function taskId(now: number): string {
  const stamp = new Date(now + 8 * 3600_000).toISOString().replace(/\D/g, "").slice(0, 14);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const tail = [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join("");
  return `cgt-${stamp}-${tail}`;
}

const TASKS = "/api/v3/contents/generations/tasks";

async function handle(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  const path = req.url.pathname;
  if (!path.startsWith("/api/v3/")) return false;
  const key = /^Bearer (.+)$/.exec(header(req.headers, "authorization") ?? "")?.[1];
  const account = accountByAccess(sim.accounts, "ark", key);
  if (!account || account.state === "revoked") {
    sim.stats.ark.unauthorized++;
    fail(res, 401, "AuthenticationError", "The API key or AK/SK in the request is missing or invalid.", "", "Unauthorized");
    return true;
  }
  const m = new RegExp(`^${TASKS}(?:/([^/]+))?$`).exec(path);
  const id = m?.[1] ? decodeURIComponent(m[1]) : undefined;
  if (m && !id && req.method === "POST") await create(sim, req, res, account);
  else if (m && id && req.method === "GET") await query(sim, res, id, account);
  else if (m && id && req.method === "DELETE") remove(sim, res, id, account);
  else fail(res, 404, "NotFound", `${req.method} ${path} is not an Ark API.`, "", "NotFound");
  return true;
}

/** What an account in each state answers a create (§10): AccountOverdueError, a full queue, AccessDenied. */
const ACCOUNT_REFUSALS: Partial<Record<AccountState, [number, string, string, string, string]>> = {
  no_credit: [403, "AccountOverdueError", "The request failed because your account has an overdue balance.", "", "Forbidden"],
  busy: [429, "QuotaExceeded", "The request has exceeded the quota.", "", "TooManyRequests"],
  suspended: [403, "AccessDenied", "The request failed because you do not have access to the requested resource.", "", "Forbidden"],
};

async function create(sim: Sim, req: SimRequest, res: ServerResponse, account: SimAccount): Promise<void> {
  const stat = beginCreate(sim, "ark", { account: account.name });
  if (await applyFault(sim, ark, "create", res)) return;
  let body: Body;
  let v: Validated;
  try {
    body = parseJsonObject(req.body);
    v = validate(sim, body);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    if (err.field === "model") return fail(res, 404, "InvalidEndpointOrModel.NotFound", err.message, "model", "NotFound");
    const code = err.kind === "missing" ? "MissingParameter" : "InvalidParameter";
    return fail(res, 400, code, `The parameter \`${err.field}\` specified in the request is not valid: ${err.message}.`, err.field);
  }
  if (triggersOf(v.prompt).has("refuse")) {
    return fail(res, 400, "InputTextSensitiveContentDetected", "The request failed because the input text may contain sensitive information.", "content[0]");
  }
  const refusal = ACCOUNT_REFUSALS[account.state];
  if (refusal) return fail(res, ...refusal);
  if (firstBusy(sim, "ark", v.prompt) || atCapacity(sim, "ark"))
    return fail(res, 429, "QuotaExceeded", "The request has exceeded the quota.", "", "TooManyRequests");
  const task = addTask(sim, "ark", {
    id: taskId(Date.now()),
    account: account.name,
    kind: v.scenario,
    prompt: v.prompt,
    callbackUrl: v.callbackUrl,
    request: body,
    extra: { seed: v.seed, resolution: v.resolution, ratio: v.ratio, duration: v.duration },
  });
  stat.accept();
  sendJson(res, 200, { id: task.id });
}

interface Validated {
  prompt?: string;
  scenario: Scenario;
  callbackUrl?: string;
  seed: number;
  resolution: string;
  ratio: string;
  duration: number;
}

function validate(sim: Sim, body: Body): Validated {
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) throw new FieldError("invalid", key, `the parameter \`${key}\` is not supported by the current model`);
  }
  const modelId = str(body, "model", { required: true })!;
  const rule = MODELS[modelId];
  if (!rule) throw new FieldError("invalid", "model", `The model or endpoint ${modelId} does not exist or you do not have access to it.`);
  const unsupported = (field: string) => {
    throw new FieldError("invalid", field, `the parameter \`${field}\` is not supported by the current model`);
  };

  const content = list(body, "content", { required: true, min: 1 })!;
  let prompt: string | undefined;
  const images: { role?: string; field: string }[] = [];
  content.forEach((item, i) => {
    const field = `content[${i}]`;
    if (!isObject(item)) throw new FieldError("invalid", field, "must be an object");
    const type = str(item, "type", { label: `${field}.type`, required: true, oneOf: ["text", "image_url"] });
    if (type === "text") {
      if (prompt !== undefined) throw new FieldError("invalid", field, "only one text item is allowed");
      prompt = str(item, "text", { label: `${field}.text`, required: true });
      return;
    }
    const image = isObject(item.image_url) ? item.image_url : undefined;
    if (!image) throw new FieldError("missing", `${field}.image_url`, "image_url.url is required");
    checkArkImage(sim, `${field}.image_url`, image.url);
    const role = str(item, "role", { label: `${field}.role`, oneOf: ["first_frame", "last_frame", "reference_image"] });
    images.push({ role, field });
  });
  const scenario = scenarioOf(images);
  if (!rule.scenarios.includes(scenario)) throw new FieldError("invalid", "content", `${scenario} is not supported by ${modelId}`);
  if (scenario === "reference_images" && images.length > rule.maxRefs) throw new FieldError("invalid", "content", `at most ${rule.maxRefs} reference images`);
  if (scenario === "text" && !prompt) throw new FieldError("missing", "content", "a text item is required for text-to-video");

  if (body.frames !== undefined && !rule.frames) unsupported("frames");
  const frames = num(body, "frames", { integer: true, min: 29, max: 289 });
  if (frames !== undefined && (frames - 25) % 4 !== 0) throw new FieldError("invalid", "frames", "frames must be 25 + 4n");
  const rawDuration = num(body, "duration", { integer: true });
  if (rawDuration !== undefined && !(rawDuration === -1 && rule.auto) && (rawDuration < rule.durations[0] || rawDuration > rule.durations[1])) {
    throw new FieldError("invalid", "duration", `the specified duration is not supported for model ${modelId}`);
  }
  const resolutions = scenario === "reference_images" && rule.refResolutions ? rule.refResolutions : rule.resolutions;
  const resolution = str(body, "resolution", { oneOf: resolutions }) ?? rule.defaultResolution;
  const ratios = rule.adaptive.includes(scenario) ? [...RATIOS, "adaptive"] : RATIOS;
  const ratio = str(body, "ratio", { oneOf: ratios }) ?? (rule.adaptive.includes(scenario) && scenario !== "text" ? "adaptive" : "16:9");
  if (body.generate_audio !== undefined && !rule.audio) unsupported("generate_audio");
  bool(body, "generate_audio");
  if (body.camera_fixed !== undefined && (!rule.cameraFixed || scenario === "reference_images")) unsupported("camera_fixed");
  bool(body, "camera_fixed");
  if (body.priority !== undefined && !rule.priority) unsupported("priority");
  num(body, "priority", { integer: true, min: 0, max: 9 });
  const tier = str(body, "service_tier", { oneOf: ["default", "flex"] });
  if (tier === "flex" && !rule.flex) unsupported("service_tier");
  if (body.draft !== undefined && modelId !== "doubao-seedance-1-5-pro-251215") unsupported("draft");
  for (const f of ["watermark", "return_last_frame", "draft"]) bool(body, f);
  num(body, "execution_expires_after", { integer: true, min: 3600, max: 259_200 });
  if (body.seed !== undefined && !rule.seed) unsupported("seed");
  const seed = num(body, "seed", { integer: true, min: -1, max: 4_294_967_295 });
  str(body, "safety_identifier", { max: 64 });
  const callbackUrl = httpUrl(body, "callback_url");
  const duration = frames !== undefined ? Math.floor(frames / 24) : rawDuration === undefined || rawDuration === -1 ? 5 : rawDuration;
  return {
    prompt,
    scenario,
    callbackUrl,
    seed: seed === undefined || seed === -1 ? Math.floor(Math.random() * 2 ** 31) : seed,
    resolution,
    ratio: ratio === "adaptive" ? "16:9" : ratio,
    duration,
  };
}

/** §3.2: the scenarios are mutually exclusive; first+last frame needs both roles, in order. */
function scenarioOf(images: { role?: string; field: string }[]): Scenario {
  if (images.length === 0) return "text";
  if (images.every((i) => i.role === "reference_image")) return "reference_images";
  if (images.some((i) => i.role === "reference_image")) throw new FieldError("invalid", "content", "reference images cannot be mixed with first/last frames");
  if (images.length === 1) {
    if (images[0]!.role === "last_frame") throw new FieldError("invalid", "content", "a last frame needs a first frame");
    return "first_frame";
  }
  if (images.length === 2 && images[0]!.role === "first_frame" && images[1]!.role === "last_frame") return "first_last_frame";
  throw new FieldError("invalid", "content", "two images must be the first_frame, then the last_frame");
}

/** URL or `data:image/<lowercase format>;base64,…` (§3.2); bytes checked against §3.2's limits. */
function checkArkImage(sim: Sim, field: string, value: unknown): void {
  if (typeof value !== "string" || value === "") throw new FieldError("missing", `${field}.url`, "url is required");
  if (isHttpUrl(value)) return;
  const uri = parseDataUri(value);
  if (!uri || !/^image\/[a-z]+$/.test(uri.mime) || !uri.data) {
    throw new FieldError("invalid", field, "the image must be a URL or data:image/<format>;base64,<data> with a lowercase format");
  }
  if (!sim.config.checkImages) return;
  checkImage(field, uri.data, { types: IMAGE_TYPES, maxBytes: 30 * 1024 * 1024 - 1, minSide: 301, maxSide: 5999, maxRatio: 2.5 });
}

async function query(sim: Sim, res: ServerResponse, id: string, account: SimAccount): Promise<void> {
  sim.stats.ark.query++;
  if (await applyFault(sim, ark, "query", res)) return;
  const task = sim.tasks.get(id);
  if (task?.vendor !== "ark" || task.account !== account.name) {
    fail(res, 404, "ResourceNotFound", `The task ${id} does not exist.`, "id", "NotFound");
    return;
  }
  sendJson(res, 200, taskView(sim, task));
}

/**
 * §8: a queued task is cancelled; a finished one (succeeded, failed, expired) is deleted; running and cancelled ones
 * cannot be. The refusal's code is not documented: the simulator answers 400 InvalidParameter naming the status.
 */
function remove(sim: Sim, res: ServerResponse, id: string, account: SimAccount): void {
  sim.stats.ark.cancel++;
  const task = sim.tasks.get(id);
  if (task?.vendor !== "ark" || task.account !== account.name) {
    fail(res, 404, "ResourceNotFound", `The task ${id} does not exist.`, "id", "NotFound");
    return;
  }
  const state = ark.state(task);
  if (state === "running" || state === "cancelled") {
    fail(res, 400, "InvalidParameter", `The task ${id} cannot be cancelled or deleted in status ${state}.`, "id");
    return;
  }
  // finish() ends a queued task in the shared lifecycle; "cancelled" is not a callback status (§9), so none is sent.
  if (state === "queued") finish(sim, task, { code: CANCELLED, message: "the task was cancelled" });
  else sim.tasks.delete(id);
  sendJson(res, 200, {});
}

/** The query body, also the callback body (§6, §9). Times are Unix seconds. */
function taskView(sim: Sim, task: SimTask): Body {
  const rule = MODELS[task.request.model as string]!;
  const state = ark.state(task);
  const view: Body = {
    id: task.id,
    model: task.request.model,
    status: state,
    created_at: Math.floor(task.createdAt / 1000),
    updated_at: Math.floor(task.updatedAt / 1000),
    service_tier: task.request.service_tier ?? "default",
    execution_expires_after: task.request.execution_expires_after ?? 172_800,
  };
  if (rule.audio) view.generate_audio = task.request.generate_audio ?? true;
  if (state === "failed" && task.failure) view.error = { code: task.failure.code ?? "InternalServiceError", message: task.failure.message };
  if (state === "succeeded") {
    const { seed, resolution, ratio, duration } = task.extra as { seed: number; resolution: string; ratio: string; duration: number };
    view.content = {
      video_url: mediaUrl(sim, task, "mp4"),
      ...(task.request.return_last_frame === true ? { last_frame_url: mediaUrl(sim, task, "jpg") } : {}),
    };
    const tokens = Math.floor(((duration * 24 + 1) * 1280 * 720) / 1024);
    Object.assign(view, { seed, resolution, ratio, duration, framespersecond: 24, usage: { completion_tokens: tokens, total_tokens: tokens } });
  }
  return view;
}
