// Jimeng on the Volcengine visual API (vendor-protocols.md §2): signed POST /?Action=…, business envelope
// {code,data,message,request_id,status,time_elapsed}, polling only (no callbacks, no list, no cancel).

import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type AccountState, accountByAccess, type SimAccount } from "./accounts.ts";
import { chaosOnCreate, chaosOnQuery, dropAnswer } from "./chaos.ts";
import type { Sim, SimTask, VendorProtocol } from "./core.ts";
import { addTask, atCapacity, beginCreate, firstBusy, mediaUrl, triggersOf } from "./core.ts";
import { applyFault } from "./faults.ts";
import type { SimRequest } from "./http.ts";
import { header, numericId, sendJson } from "./http.ts";
import type { Body } from "./validate.ts";
import { checkImage, decodeBase64, FieldError, isHttpUrl, list, num, parseJsonObject, peekJson, str } from "./validate.ts";
import { VOLC_REGION, VOLC_SERVICE, verifyVolcRequest } from "./volc-sign.ts";

const VERSION = "2022-08-31";
const SUBMIT = "CVSync2AsyncSubmitTask";
const GET_RESULT = "CVSync2AsyncGetResult";
/** Tasks older than this answer not_found (§2.4). */
const TASK_RETENTION_MS = 12 * 3600 * 1000;
/**
 * The docs give no business code for a malformed parameter, and 50400 is documented as an access error ("Access
 * Denied: Internal Error", HTTP 401: service not activated or no permission; vendor-protocols.md §2.5), so it is kept
 * for that. A bad parameter gets HTTP 400 with a code outside every table, which a client can only read by its status.
 */
const BAD_REQUEST = 50402;
const ACCESS_DENIED = 50400;

interface KeySpec {
  images: [number, number];
  /** "either" = 3.0 Pro: prompt or image required. */
  prompt: "required" | "optional" | "either";
  aspect: boolean;
  recamera?: boolean;
}

const t2v: KeySpec = { images: [0, 0], prompt: "required", aspect: true };
const first: KeySpec = { images: [1, 1], prompt: "required", aspect: false };
const firstTail: KeySpec = { images: [2, 2], prompt: "required", aspect: false };
const REQ_KEYS: Record<string, KeySpec> = {
  jimeng_t2v_v30: t2v,
  jimeng_t2v_v30_1080p: t2v,
  jimeng_i2v_first_v30: first,
  jimeng_i2v_first_v30_1080: first,
  jimeng_i2v_first_tail_v30: firstTail,
  jimeng_i2v_first_tail_v30_1080: firstTail,
  jimeng_i2v_recamera_v30: { ...first, recamera: true },
  jimeng_ti2v_v30_pro: { images: [0, 1], prompt: "either", aspect: true },
  jimeng_vgfm_t2v_l20: t2v,
  jimeng_vgfm_i2v_l20: { images: [1, 1], prompt: "optional", aspect: false },
};
const ASPECT_RATIOS = ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9"];
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

/** Business codes → HTTP status, as in the §2.5 table. */
function httpStatusFor(code: number): number {
  if (code === ACCESS_DENIED) return 401;
  if (code === 50429 || code === 50430) return 429;
  if (code === 50500 || code === 50501) return 500;
  return 400;
}

const MESSAGES: Record<number, string> = {
  50412: "Text Risk Not Pass",
  50429: "Request Has Reached API Limit, Please Try Later",
  50430: "Request Has Reached API Concurrent Limit, Please Try Later",
  50500: "Internal Error",
  50501: "Internal RPC Error",
  50516: "Post Video Risk Not Pass",
};

export const jimeng: VendorProtocol = {
  vendor: "jimeng",
  handle,
  state: (task) => ({ created: "in_queue", queued: "in_queue", running: "generating", succeeded: "done", failed: "done" })[task.phase],
  faultBody: (status) => {
    if (status === 429) return businessBody(50430, MESSAGES[50430]!, null);
    if (status >= 500) return businessBody(50500, MESSAGES[50500]!, null);
    if (status === 401 || status === 403) return businessBody(ACCESS_DENIED, "Access Denied: Internal Error", null);
    return businessBody(BAD_REQUEST, "Invalid Request", null);
  },
  // §2.5: 50429 QPS limit, 50430 concurrency limit.
  busyAnswers: () => [businessBody(50429, MESSAGES[50429]!, null), businessBody(50430, MESSAGES[50430]!, null)],
  policyFailure: { code: "50516", message: MESSAGES[50516]! },
  genericFailure: { code: "50500", message: MESSAGES[50500]! },
};

/** Volcengine request ids: UTC timestamp followed by hex. */
function requestId(): string {
  return new Date().toISOString().replace(/\D/g, "").slice(0, 14) + randomBytes(10).toString("hex").toUpperCase();
}

function businessBody(code: number, message: string, data: unknown): Body {
  const elapsed = `${(20 + Math.random() * 80).toFixed(6)}ms`;
  return { code, data, message, request_id: requestId(), status: code, time_elapsed: elapsed };
}

function business(res: ServerResponse, code: number, message: string, data: unknown = null): void {
  sendJson(res, code === 10000 ? 200 : httpStatusFor(code), businessBody(code, message, data));
}

function gatewayError(res: ServerResponse, action: string, version: string, status: number, code: string, codeN: number, message: string): void {
  sendJson(res, status, {
    ResponseMetadata: {
      RequestId: requestId(),
      Action: action,
      Version: version,
      Service: VOLC_SERVICE,
      Region: VOLC_REGION,
      Error: { CodeN: codeN, Code: code, Message: message },
    },
  });
}

async function handle(sim: Sim, req: SimRequest, res: ServerResponse): Promise<boolean> {
  const action = req.url.searchParams.get("Action");
  const version = req.url.searchParams.get("Version");
  if (req.url.pathname !== "/" || (action === null && version === null)) return false;
  if (!action || !version) {
    gatewayError(res, action ?? "", version ?? "", 400, "MissingParameter", 100002, `The request is missing ${action ? "Version" : "Action"} parameter.`);
    return true;
  }
  // The account is found by the access key id of the signature's Credential, then checked with its own secret.
  const accessKeyId = /Credential=([^/,\s]+)\//.exec(header(req.headers, "authorization") ?? "")?.[1];
  const account = accountByAccess(sim.accounts, "jimeng", accessKeyId);
  const authError = verifyVolcRequest(
    { method: req.method, path: req.url.pathname, rawQuery: req.rawQuery, headers: req.headers, body: req.body },
    account
      ? { accessKeyId: account.access, secretAccessKey: account.secret }
      : { accessKeyId: sim.credentials.VOLC_ACCESS_KEY_ID, secretAccessKey: sim.credentials.VOLC_SECRET_ACCESS_KEY },
  );
  if (authError || !account || account.state === "revoked" || account.state === "suspended") {
    sim.stats.jimeng.unauthorized++;
    if (authError) gatewayError(res, action, version, authError.status, authError.code, authError.codeN, authError.message);
    else if (account?.state === "suspended") gatewayError(res, action, version, 403, "AccessDenied", 100013, "Access Denied: the account is disabled.");
    else gatewayError(res, action, version, 401, "InvalidAccessKey", 100009, `The accesskey [${accessKeyId}] included in the request is invalid.`);
    return true;
  }
  if (req.method !== "POST" || version !== VERSION || (action !== SUBMIT && action !== GET_RESULT)) {
    gatewayError(res, action, version, 404, "InvalidActionOrVersion", 100008, `Could not find operation ${action} for version ${version}`);
    return true;
  }
  if (action === SUBMIT) await submit(sim, req, res, account);
  else await getResult(sim, req, res, account);
  return true;
}

function badRequest(res: ServerResponse, err: unknown): void {
  if (!(err instanceof FieldError)) throw err;
  business(res, BAD_REQUEST, `Invalid Request: ${err.message}`);
}

/**
 * What an account in each state answers a submit (§2.5): 50430 at its concurrency limit; Jimeng documents no credit
 * code, and an overdue Volcengine account has its service stopped, which it answers as 50400 "Access Denied".
 */
const ACCOUNT_REFUSALS: Partial<Record<AccountState, [number, string]>> = {
  no_credit: [ACCESS_DENIED, "Access Denied: Internal Error"],
  busy: [50430, MESSAGES[50430]!],
};

async function submit(sim: Sim, req: SimRequest, res: ServerResponse, account: SimAccount): Promise<void> {
  const stat = beginCreate(sim, "jimeng", { account: account.name, prompt: peekJson(req.body)?.prompt });
  if (await applyFault(sim, jimeng, "create", res)) return;
  const chaos = chaosOnCreate(sim, jimeng, res);
  if (chaos === "answered") return;
  let body: Body;
  let reqKey: string;
  try {
    body = parseJsonObject(req.body);
    reqKey = validateSubmit(sim, body);
  } catch (err) {
    return badRequest(res, err);
  }
  if (triggersOf(body.prompt).has("refuse")) return business(res, 50412, MESSAGES[50412]!);
  const refusal = ACCOUNT_REFUSALS[account.state];
  if (refusal) return business(res, ...refusal);
  if (firstBusy(sim, "jimeng", body.prompt) || atCapacity(sim, "jimeng")) return business(res, 50430, MESSAGES[50430]!);
  const task = addTask(sim, "jimeng", { id: numericId(19), account: account.name, kind: reqKey, prompt: body.prompt, request: body });
  stat.accept();
  if (chaos === "drop") return dropAnswer(sim, "jimeng", res);
  business(res, 10000, "Success", { task_id: task.id });
}

function validateSubmit(sim: Sim, body: Body): string {
  const reqKey = checkReqKey(body);
  const spec = REQ_KEYS[reqKey]!;
  const prompt = str(body, "prompt", { required: spec.prompt === "required", max: 800 });
  num(body, "seed", { integer: true, min: -1 });
  num(body, "frames", { integer: true, oneOf: [121, 241] });
  const urls = list(body, "image_urls");
  const b64 = list(body, "binary_data_base64");
  if (urls && b64) throw new FieldError("invalid", "image_urls", "give image_urls or binary_data_base64, not both");
  const images = urls ?? b64 ?? [];
  const field = urls ? "image_urls" : "binary_data_base64";
  const [min, max] = spec.images;
  if (max === 0 && images.length > 0) throw new FieldError("unwanted", field, `${reqKey} is text-to-video and takes no images`);
  if (images.length < min || images.length > max) {
    throw new FieldError(
      "count",
      field,
      `${reqKey} needs ${min === max ? min : `${min} to ${max}`} image(s) in image_urls or binary_data_base64, got ${images.length}`,
    );
  }
  if (spec.prompt === "either" && !prompt && images.length === 0) throw new FieldError("missing", "prompt", "prompt or an image is required");
  const sizes = images.map((img, i) => checkJimengImage(sim, `${field}[${i}]`, img, field === "binary_data_base64"));
  if (sizes.length === 2 && sizes[0] && sizes[1] && Math.abs(sizes[0] / sizes[1] - 1) > 0.02) {
    throw new FieldError("invalid", field, "first and tail frames must have the same aspect ratio");
  }
  // i2v center-crops to the nearest ratio, so aspect_ratio only matters (and is only checked) for text-to-video.
  if (spec.aspect && images.length === 0) str(body, "aspect_ratio", { oneOf: ASPECT_RATIOS });
  if (spec.recamera) {
    str(body, "template_id", { required: true, oneOf: TEMPLATES });
    str(body, "camera_strength", { oneOf: ["weak", "medium", "strong"] });
  }
  return reqKey;
}

function checkReqKey(body: Body): string {
  const reqKey = str(body, "req_key", { required: true })!;
  if (!REQ_KEYS[reqKey]) throw new FieldError("invalid", "req_key", `req_key ${reqKey} is not a video generation key`);
  return reqKey;
}

/** Returns width/height ratio of a decodable image (for the first+tail rule), else undefined. */
function checkJimengImage(sim: Sim, field: string, value: unknown, base64: boolean): number | undefined {
  if (typeof value !== "string" || value === "") throw new FieldError("invalid", field, `${field} must be a non-empty string`);
  if (!base64) {
    if (!isHttpUrl(value)) throw new FieldError("invalid", field, `${field} must be an http(s) URL`);
    return undefined;
  }
  // binary_data_base64 is raw base64; a data: URI prefix is not accepted.
  const data = decodeBase64(value);
  if (!data) throw new FieldError("format", field, `${field} is not valid raw base64 (no data: prefix)`);
  if (!sim.config.checkImages) return undefined;
  const info = checkImage(field, data, { types: ["png", "jpeg"], maxBytes: Math.floor(4.7 * 1024 * 1024), minSide: 320, maxSide: 4096, maxRatio: 3 });
  return info.width / info.height;
}

async function getResult(sim: Sim, req: SimRequest, res: ServerResponse, account: SimAccount): Promise<void> {
  sim.stats.jimeng.query++;
  if (await applyFault(sim, jimeng, "query", res)) return;
  if (chaosOnQuery(sim, jimeng, res)) return;
  let reqKey: string;
  let taskId: string;
  let reqJson: Body | undefined;
  try {
    const body = parseJsonObject(req.body);
    reqKey = checkReqKey(body);
    taskId = str(body, "task_id", { required: true })!;
    reqJson = parseReqJson(str(body, "req_json"));
  } catch (err) {
    return badRequest(res, err);
  }
  const task = sim.tasks.get(taskId);
  if (task?.vendor !== "jimeng" || task.account !== account.name || Date.now() - task.createdAt > TASK_RETENTION_MS) {
    return business(res, 10000, "Success", { status: "not_found", video_url: "" });
  }
  // The poll must repeat the submit's req_key (§2.2); a mismatch is refused rather than answered.
  if (task.kind !== reqKey)
    return business(res, BAD_REQUEST, `Invalid Request: req_key mismatch: task ${taskId} was submitted with ${task.kind}, not ${reqKey}`);
  if (task.phase === "failed") {
    const code = Number(task.failure?.code ?? 50500);
    return business(res, code, task.failure?.message ?? MESSAGES[50500]!);
  }
  business(res, 10000, "Success", resultData(sim, task, reqJson));
}

function parseReqJson(text: string | undefined): Body | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Body;
  } catch {
    // fall through
  }
  throw new FieldError("invalid", "req_json", "req_json must be a JSON object encoded as a string");
}

function resultData(sim: Sim, task: SimTask, reqJson: Body | undefined): Body {
  const status = jimeng.state(task);
  if (status !== "done") return { status, video_url: "" };
  return { aigc_meta_tagged: reqJson?.aigc_meta !== undefined, status, video_url: mediaUrl(sim, task, "mp4") };
}
