// Vidu (vendor-protocols.md §3): `Token` auth, four create endpoints, bare task objects, signed callbacks.

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type AccountState, accountByAccess, type SimAccount } from "./accounts.ts";
import { chaosOnCreate, chaosOnQuery, dropAnswer } from "./chaos.ts";
import type { Sim, SimTask, VendorProtocol } from "./core.ts";
import { addTask, atCapacity, beginCreate, finish, firstBusy, mediaUrl, triggersOf } from "./core.ts";
import { applyFault } from "./faults.ts";
import type { SimRequest } from "./http.ts";
import { header, numericId, sendJson } from "./http.ts";
import type { Body, FieldErrorKind, ImageInfo } from "./validate.ts";
import { bool, checkImage, FieldError, httpUrl, isHttpUrl, isObject, list, num, parseDataUri, parseJsonObject, peekJson, str } from "./validate.ts";

type Endpoint = "text2video" | "img2video" | "start-end2video" | "reference2video";

interface ModelRule {
  durations: readonly number[];
  defaultDuration: number;
  resolutions(duration: number): readonly string[];
  defaultResolution(duration: number): string;
  /** q2/q3 also take 3:4 and 4:3. */
  wideAspects: boolean;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const q1: ModelRule = { durations: [5], defaultDuration: 5, resolutions: () => ["1080p"], defaultResolution: () => "1080p", wideAspects: false };
const legacy = (fourSecond: readonly string[]): ModelRule => ({
  durations: [4, 8],
  defaultDuration: 4,
  resolutions: (d) => (d === 4 ? fourSecond : ["720p"]),
  defaultResolution: (d) => (d === 4 ? "360p" : "720p"),
  wideAspects: false,
});
const modern = (max: number): ModelRule => ({
  durations: range(1, max),
  defaultDuration: 5,
  resolutions: () => ["540p", "720p", "1080p"],
  defaultResolution: () => "720p",
  wideAspects: true,
});
const q2 = modern(10);
/** viduq2-pro-fast: 720p/1080p (no 540p), 1–8 s, the durations and resolutions every restatement of it agrees on. */
const q2ProFast: ModelRule = { ...modern(8), resolutions: () => ["720p", "1080p"] };
const q3 = modern(16);
const MODELS: Record<string, ModelRule> = {
  viduq1: q1,
  "viduq1-classic": q1,
  "vidu1.5": legacy(["360p", "720p", "1080p"]),
  "vidu2.0": legacy(["360p", "720p"]),
  viduq2: q2,
  "viduq2-pro": q2,
  "viduq2-turbo": q2,
  "viduq2-pro-fast": q2ProFast,
  viduq3: q3,
  "viduq3-pro": q3,
  "viduq3-turbo": q3,
  "viduq3-mix": q3,
};

/** §3.3 per-endpoint table; image counts are [min, max], null = images not accepted. */
const ENDPOINTS: Record<Endpoint, { models: readonly string[]; images: [number, number] | null; promptRequired: boolean; aspect: boolean }> = {
  text2video: { models: ["viduq3-turbo", "viduq3-pro", "viduq2", "viduq1", "vidu1.5"], images: null, promptRequired: true, aspect: true },
  img2video: {
    models: ["viduq3-turbo", "viduq3-pro", "viduq2-pro", "viduq2-pro-fast", "viduq2-turbo", "viduq1", "vidu2.0", "vidu1.5"],
    images: [1, 1],
    promptRequired: false,
    aspect: false,
  },
  "start-end2video": {
    models: ["viduq3-turbo", "viduq3-pro", "viduq2-pro", "viduq2-pro-fast", "viduq2-turbo", "viduq1", "viduq1-classic", "vidu2.0", "vidu1.5"],
    images: [2, 2],
    promptRequired: false,
    aspect: false,
  },
  reference2video: { models: ["viduq3-mix", "viduq3", "viduq2-pro", "viduq2", "viduq1", "vidu2.0"], images: [1, 7], promptRequired: true, aspect: true },
};

/** Newer pages allow 2000 characters (older 1500, newest 5000); the middle revision is the one enforced. */
const PROMPT_MAX = 2000;
const PAYLOAD_MAX = 1_048_576;
const IMAGE_MIMES = ["image/png", "image/jpeg", "image/jpg", "image/webp"];

export const vidu: VendorProtocol = {
  vendor: "vidu",
  handle,
  state: (task) => ({ created: "created", queued: "queueing", running: "processing", succeeded: "success", failed: "failed" })[task.phase],
  faultBody: (status) => {
    const reasons: Record<number, string> = {
      400: "BadRequest",
      401: "Unauthorized",
      403: "Forbidden",
      404: "NotFound",
      409: "Conflict",
      429: "QuotaExceeded",
      499: "Canceled",
    };
    return envelope(status, reasons[status] ?? "InternalServiceFailure", "simulated fault");
  },
  // §3.6: QuotaExceeded (concurrency) and TooManyRequests (rate).
  busyAnswers: () => [
    envelope(429, "QuotaExceeded", "concurrent task quota exceeded, please retry later"),
    envelope(429, "TooManyRequests", "too many requests, please retry later"),
  ],
  policyFailure: { code: "CreationPolicyViolation", message: "creation violates the content policy" },
  genericFailure: { code: "InternalServiceFailure", message: "internal service failure" },
  // §3.7: processing/success/failed are delivered; final states are retried 3 times on failure.
  callback: {
    states: ["processing", "success", "failed"],
    retried: ["success", "failed"],
    retries: 3,
    body: taskView,
    // Signed with the key of the account that created the task.
    headers: (sim, url, task) => viduCallbackHeaders(accountKey(sim, task), url),
  },
};

function accountKey(sim: Sim, task: SimTask): string {
  return sim.accounts.find((a) => a.vendor === "vidu" && a.name === task.account)?.access ?? sim.credentials.VIDU_API_KEY;
}

/** What an account in each state answers a create (§3.6): CreditInsufficient, QuotaExceeded, Forbidden. */
const ACCOUNT_REFUSALS: Partial<Record<AccountState, [number, string, string]>> = {
  no_credit: [400, "CreditInsufficient", "insufficient credits"],
  busy: [429, "QuotaExceeded", "concurrent task quota exceeded, please retry later"],
  suspended: [403, "Forbidden", "the account is disabled"],
};

function envelope(code: number, reason: string, message: string): Body {
  return { code, reason, message, metadata: { trace_id: randomBytes(16).toString("hex") } };
}

function fail(res: ServerResponse, status: number, reason: string, message: string): void {
  sendJson(res, status, envelope(status, reason, message));
}

async function handle(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  if (!req.url.pathname.startsWith("/ent/")) return false;
  const token = /^Token (.+)$/.exec(header(req.headers, "authorization") ?? "")?.[1];
  const account = accountByAccess(sim.accounts, "vidu", token);
  if (!account || account.state === "revoked") {
    sim.stats.vidu.unauthorized++;
    fail(res, 401, "Unauthorized", 'invalid API key; send "Authorization: Token <api key>"');
    return true;
  }
  const path = req.url.pathname;
  const createMatch = /^\/ent\/v2\/(text2video|img2video|start-end2video|reference2video)$/.exec(path);
  const taskMatch = /^\/ent\/v2\/tasks\/([^/]+)\/(creations|cancel)$/.exec(path);
  if (createMatch && req.method === "POST") await create(sim, req, res, createMatch[1] as Endpoint, account);
  else if (path === "/ent/v2/tasks" && req.method === "GET") await listTasks(sim, req, res, account);
  else if (taskMatch?.[2] === "creations" && req.method === "GET") await query(sim, res, decodeURIComponent(taskMatch[1]!), account);
  else if (taskMatch?.[2] === "cancel" && req.method === "POST") cancel(sim, req, res, decodeURIComponent(taskMatch[1]!), account);
  else fail(res, 404, "NotFound", `${req.method} ${path} not found`);
  return true;
}

const REASONS: Record<FieldErrorKind, string> = {
  missing: "FieldLacking",
  invalid: "FieldInvalid",
  unwanted: "FieldUnwanted",
  count: "FieldItemCountOutOfRange",
  format: "ImageFormatInvalid",
};

async function create(sim: Sim, req: SimRequest, res: ServerResponse, endpoint: Endpoint, account: SimAccount): Promise<void> {
  const peek = peekJson(req.body);
  const payload = typeof peek?.payload === "string" && peek.payload !== "" ? peek.payload : undefined;
  const stat = beginCreate(sim, "vidu", { account: account.name, externalId: payload, prompt: peek?.prompt });
  if (await applyFault(sim, vidu, "create", res)) return;
  const chaos = chaosOnCreate(sim, vidu, res);
  if (chaos === "answered") return;
  let body: Body;
  let v: Validated;
  try {
    body = parseJsonObject(req.body);
    v = validate(sim, endpoint, body);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    const reason = err.field === "body" ? "BadRequest" : err.field === "model" && err.kind === "invalid" ? "ModelUnavailable" : REASONS[err.kind];
    return fail(res, 400, reason, err.message);
  }
  if (triggersOf(body.prompt).has("refuse")) return fail(res, 400, "AuditSubmitIllegal", "the prompt did not pass the content audit");
  const refusal = ACCOUNT_REFUSALS[account.state];
  if (refusal) return fail(res, ...refusal);
  if (firstBusy(sim, "vidu", body.prompt) || atCapacity(sim, "vidu")) {
    return fail(res, 429, "QuotaExceeded", "concurrent task quota exceeded, please retry later");
  }
  const seed = typeof body.seed === "number" && body.seed !== 0 ? body.seed : Math.floor(Math.random() * 2 ** 31);
  const credits = Math.max(1, Math.round((v.duration * (v.resolution === "1080p" ? 2 : 1) * 5) / 4));
  const task = addTask(sim, "vidu", {
    id: numericId(18),
    account: account.name,
    kind: endpoint,
    prompt: body.prompt,
    externalId: typeof body.payload === "string" && body.payload !== "" ? body.payload : undefined,
    callbackUrl: v.callbackUrl,
    request: body,
    extra: { seed, credits, creationId: numericId(18), model: v.model, createdAt: isoNanos(Date.now()) },
  });
  stat.accept();
  if (chaos === "drop") return dropAnswer(sim, "vidu", res);
  // The create answer echoes the request with the values the vendor settled on (§3.4).
  const echo: Body = {
    task_id: task.id,
    type: endpoint,
    state: "created",
    model: v.model,
    ...(body.prompt !== undefined ? { prompt: body.prompt } : {}),
    ...(body.images !== undefined ? { images: body.images } : {}),
    ...(body.subjects !== undefined ? { subjects: body.subjects } : {}),
    ...(v.model.startsWith("viduq3") ? { audio: body.audio ?? true } : {}),
    duration: v.duration,
    seed,
    resolution: v.resolution,
    movement_amplitude: body.movement_amplitude ?? "auto",
    ...(v.aspectRatio !== undefined ? { aspect_ratio: v.aspectRatio } : {}),
    ...(endpoint === "text2video" ? { style: body.style ?? "general" } : {}),
    bgm: body.bgm ?? false,
    payload: body.payload ?? "",
    off_peak: body.off_peak ?? false,
    watermark: body.watermark ?? false,
    credits,
    ...(v.callbackUrl !== undefined ? { callback_url: v.callbackUrl } : {}),
    created_at: task.extra.createdAt,
  };
  sendJson(res, 200, echo);
}

/** Vidu timestamps carry nanoseconds (`2025-04-14T15:29:10.002012956Z`); parsers must cope. */
function isoNanos(ms: number): string {
  return new Date(ms).toISOString().replace("Z", `${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}Z`);
}

interface Validated {
  model: string;
  duration: number;
  resolution: string;
  aspectRatio?: string;
  callbackUrl?: string;
}

function validate(sim: Sim, endpoint: Endpoint, body: Body): Validated {
  const spec = ENDPOINTS[endpoint];
  const model = str(body, "model", { required: true })!;
  const rule = MODELS[model];
  if (!rule || !spec.models.includes(model)) {
    throw new FieldError("invalid", "model", `model ${model} is not available for ${endpoint}; use one of ${spec.models.join(", ")}`);
  }
  str(body, "prompt", { required: spec.promptRequired, max: PROMPT_MAX });
  const duration = num(body, "duration", { integer: true, oneOf: rule.durations }) ?? rule.defaultDuration;
  const resolution = str(body, "resolution", { oneOf: rule.resolutions(duration) }) ?? rule.defaultResolution(duration);
  let aspectRatio: string | undefined;
  if (spec.aspect) {
    const ratios = rule.wideAspects ? ["16:9", "9:16", "1:1", "3:4", "4:3"] : ["16:9", "9:16", "1:1"];
    aspectRatio = str(body, "aspect_ratio", { oneOf: ratios }) ?? "16:9";
  }
  if (endpoint === "text2video") str(body, "style", { oneOf: ["general", "anime"] });
  str(body, "movement_amplitude", { oneOf: ["auto", "small", "medium", "large"] });
  num(body, "seed", { integer: true, min: 0 });
  for (const f of ["bgm", "off_peak", "watermark", "audio"]) bool(body, f);
  // Q3 makes audio ("only supported by Q3 models", default true) and refuses bgm ("q3 models do not support this").
  const q3 = model.startsWith("viduq3");
  if (q3 && body.bgm !== undefined) throw new FieldError("unwanted", "bgm", `bgm is not supported by ${model}`);
  for (const f of ["audio", "voice_id", "audio_type"]) {
    if (!q3 && body[f] !== undefined) throw new FieldError("unwanted", f, `${f} is only supported by Q3 models`);
  }
  str(body, "voice_id");
  str(body, "audio_type");
  str(body, "payload", { max: PAYLOAD_MAX });
  const callbackUrl = httpUrl(body, "callback_url");
  checkImages(sim, endpoint, model, body);
  return { model, duration, resolution, aspectRatio, callbackUrl };
}

function checkImages(sim: Sim, endpoint: Endpoint, model: string, body: Body): void {
  const spec = ENDPOINTS[endpoint];
  if (!spec.images) {
    if (body.images !== undefined && body.images !== null) throw new FieldError("unwanted", "images", `images is not accepted by ${endpoint}`);
    return;
  }
  if (endpoint === "reference2video" && body.subjects !== undefined) return checkSubjects(sim, body);
  const videos = list(body, "videos");
  if (videos?.length && model !== "viduq2-pro") throw new FieldError("unwanted", "videos", `videos is only accepted with viduq2-pro`);
  const [min, max] = videos?.length ? [1, 4] : spec.images;
  const images = list(body, "images", { required: true, min, max })!;
  const infos = images.map((img, i) => checkViduImage(sim, `images[${i}]`, img));
  if (endpoint === "start-end2video" && infos[0] && infos[1]) {
    const r = infos[0].width / infos[0].height / (infos[1].width / infos[1].height);
    if (r < 0.8 || r > 1.25) throw new FieldError("invalid", "images", "start and end images must have similar aspect ratios (within 0.8–1.25)");
  }
}

/** Reference-to-video with named subjects: each {id, images: 1–3, voice_id?}, instead of a flat images list. */
function checkSubjects(sim: Sim, body: Body): void {
  if (body.images !== undefined && body.images !== null) throw new FieldError("unwanted", "images", "give images or subjects, not both");
  const subjects = list(body, "subjects", { required: true, min: 1, max: 7 })!;
  let total = 0;
  subjects.forEach((subject, i) => {
    if (!isObject(subject)) throw new FieldError("invalid", `subjects[${i}]`, `subjects[${i}] must be an object {id, images}`);
    str(subject, "id", { label: `subjects[${i}].id`, required: true });
    str(subject, "voice_id", { label: `subjects[${i}].voice_id` });
    const images = list(subject, "images", { label: `subjects[${i}].images`, required: true, min: 1, max: 3 })!;
    for (const [j, img] of images.entries()) checkViduImage(sim, `subjects[${i}].images[${j}]`, img);
    total += images.length;
  });
  // The page: 1–7 subjects and 1–7 subject images in all.
  if (total > 7) throw new FieldError("count", "subjects", `subjects hold ${total} images; at most 7 in all`);
}

/** URL or data URI; raw base64 is refused (§3.3: the prefix is required). */
function checkViduImage(sim: Sim, field: string, value: unknown): ImageInfo | undefined {
  if (typeof value !== "string" || value === "") throw new FieldError("invalid", field, `${field} must be an image URL or data URI`);
  if (isHttpUrl(value)) return undefined;
  const uri = parseDataUri(value);
  if (!uri) {
    throw new FieldError("format", field, `${field} must be an http(s) URL or a data URI (data:image/png;base64,...); raw base64 is not accepted`);
  }
  if (!IMAGE_MIMES.includes(uri.mime)) throw new FieldError("format", field, `${field} has unsupported type ${uri.mime || "(none)"}; use png, jpeg or webp`);
  if (!uri.data) throw new FieldError("format", field, `${field} base64 payload is malformed`);
  if (!sim.config.checkImages) return undefined;
  return checkImage(field, uri.data, { types: ["png", "jpeg", "webp"], maxBytes: 10 * 1024 * 1024 - 1, maxRatio: 4 });
}

async function query(sim: Sim, res: ServerResponse, id: string, account: SimAccount): Promise<void> {
  sim.stats.vidu.query++;
  if (await applyFault(sim, vidu, "query", res)) return;
  if (chaosOnQuery(sim, vidu, res)) return;
  const task = sim.tasks.get(id);
  if (task?.vendor !== "vidu" || task.account !== account.name) return fail(res, 404, "TaskNotFound", `task ${id} not found`);
  sendJson(res, 200, taskView(sim, task));
}

// ---- task list (§3.1 "list with filters"; the shape follows observed use: {tasks:[…]}, pager.page/pager.pagesz) ----

const LIST_PAGE_MAX = 100;
const LIST_STATES = ["created", "queueing", "processing", "success", "failed"];

interface ListFilter {
  ids: Set<string> | null;
  state: string | null;
  from: number;
  to: number;
  page: number;
  size: number;
}

/** Parses the list's query; a FieldError names the bad parameter. */
function listFilter(q: URLSearchParams): ListFilter {
  const int = (name: string, def: number, min: number, max: number, reason: string): number => {
    const raw = q.get(name);
    if (raw === null || raw === "") return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new FieldError("invalid", reason, `${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const time = (name: string, def: number): number => {
    const raw = q.get(name);
    if (raw === null || raw === "") return def;
    const t = Date.parse(raw);
    if (Number.isNaN(t)) throw new FieldError("invalid", name, `${name} must be an ISO-8601 time`);
    return t;
  };
  const ids = q
    .getAll("task_ids")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const state = q.get("state") || null;
  if (state !== null && !LIST_STATES.includes(state)) throw new FieldError("invalid", "state", `state must be one of ${LIST_STATES.join(", ")}`);
  return {
    ids: ids.length > 0 ? new Set(ids) : null,
    state,
    from: time("created_at.from", -Infinity),
    to: time("created_at.to", Infinity),
    page: int("pager.page", 0, 0, 1_000_000, "pager.page"),
    size: int("pager.pagesz", 20, 1, LIST_PAGE_MAX, "PageSizeOutOfRange"),
  };
}

/**
 * The calling account's tasks, newest first, one page at a time (a page shorter than pagesz is the last).
 */
async function listTasks(sim: Sim, req: SimRequest, res: ServerResponse, account: SimAccount): Promise<void> {
  sim.stats.vidu.list++;
  if (await applyFault(sim, vidu, "query", res)) return;
  if (chaosOnQuery(sim, vidu, res)) return;
  let f: ListFilter;
  try {
    f = listFilter(req.url.searchParams);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    return fail(res, 400, err.field === "PageSizeOutOfRange" ? "PageSizeOutOfRange" : "FieldInvalid", err.message);
  }
  const matches = [...sim.tasks.values()]
    .filter((t) => t.vendor === "vidu" && t.account === account.name && (!f.ids || f.ids.has(t.id)) && (!f.state || vidu.state(t) === f.state))
    .filter((t) => t.createdAt >= f.from && t.createdAt <= f.to)
    .sort((a, b) => b.createdAt - a.createdAt);
  const page = matches.slice(f.page * f.size, (f.page + 1) * f.size);
  sendJson(res, 200, { tasks: page.map((t) => listItem(sim, t)) });
}

/** A list entry: the Get Generation body plus what the create answer told (task_id, type, model, created_at). */
function listItem(sim: Sim, task: SimTask): Body {
  return { task_id: task.id, ...taskView(sim, task), type: task.kind, model: task.extra.model, created_at: task.extra.createdAt };
}

/** Only tasks not yet scheduled can be cancelled (§3.5); they end failed with err_code UserCancelled. */
function cancel(sim: Sim, req: SimRequest, res: ServerResponse, id: string, account: SimAccount): void {
  sim.stats.vidu.cancel++;
  let body: Body;
  try {
    body = parseJsonObject(req.body);
    str(body, "id", { required: true });
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    return fail(res, 400, err.kind === "missing" ? "FieldLacking" : "BadRequest", err.message);
  }
  if (body.id !== id) return fail(res, 400, "BadRequest", `id in body (${String(body.id)}) does not match the task id in the path`);
  const task = sim.tasks.get(id);
  if (task?.vendor !== "vidu" || task.account !== account.name) return fail(res, 404, "TaskNotFound", `task ${id} not found`);
  if (task.phase !== "created" && task.phase !== "queued") return fail(res, 400, "BadRequest", "task state is scheduled, can not cancel");
  finish(sim, task, { code: "UserCancelled", message: "task cancelled by user" });
  sendJson(res, 200, {});
}

/** The Get Generation body, also the callback body (§3.4, §3.7). */
function taskView(sim: Sim, task: SimTask): Body {
  const creations =
    task.phase === "succeeded"
      ? [{ id: task.extra.creationId, url: mediaUrl(sim, task, "mp4"), cover_url: mediaUrl(sim, task, "jpg"), watermarked_url: mediaUrl(sim, task, "mp4") }]
      : [];
  return {
    id: task.id,
    state: vidu.state(task),
    err_code: task.failure?.code ?? "",
    credits: task.extra.credits,
    payload: typeof task.request.payload === "string" ? task.request.payload : "",
    bgm: task.request.bgm === true,
    off_peak: task.request.off_peak === true,
    creations,
  };
}

// ---- callback signature (§3.7) -----------------------------------------------------------------

export function viduSigningString(method: string, path: string, rawQuery: string, date: string, nonce: string): string {
  return `${method}\n${path}\n${rawQuery}\nvidu\n${date}\nDate:${date}\nx-request-nonce:${nonce}\n`;
}

export function viduSignature(secret: string, signingString: string): string {
  return createHmac("sha256", secret).update(signingString).digest("base64");
}

/** Path and query exactly as registered: no normalisation, no re-ordering. */
function splitUrl(url: string): { path: string; rawQuery: string } {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(?:\?([^#]*))?/i.exec(url);
  return { path: m?.[1] || "/", rawQuery: m?.[2] ?? "" };
}

export function viduCallbackHeaders(secret: string, url: string, now = new Date(), nonce: string = randomUUID()): Record<string, string> {
  const date = now.toUTCString();
  const { path, rawQuery } = splitUrl(url);
  return {
    Date: date,
    "x-request-nonce": nonce,
    "X-HMAC-SIGNED-HEADERS": "Date;x-request-nonce",
    "X-HMAC-ALGORITHM": "hmac-sha256",
    "X-HMAC-ACCESS-KEY": "vidu",
    "X-HMAC-SIGNATURE": viduSignature(secret, viduSigningString("POST", path, rawQuery, date, nonce)),
  };
}
