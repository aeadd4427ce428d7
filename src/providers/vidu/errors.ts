import { byHttpStatus, retryLater, undocumented, vendorFailure } from "../outcomes.ts";
import type { Outcome } from "../types.ts";

const V = "Vidu";

const BUSY = new Set(["QuotaExceeded", "TooManyRequests", "SystemThrottling", "OperationInProcess"]);

/** Reasons (and failed tasks' err_code) that refuse the content itself, including Vidu's input image checks. */
export const VIDU_MODERATION = new Set([
  "TaskPromptPolicyViolation",
  "AuditSubmitIllegal",
  "CreationPolicyViolation",
  "ImageCheckBodyJointsFailed",
  "ImageCheckFaceFailed",
  "ImageObjectsUndetected",
]);

const REQUEST = new Set([
  "BadRequest",
  "FieldLacking",
  "FieldUnwanted",
  "FieldInvalid",
  "FieldItemCountOutOfRange",
  "PageSizeOutOfRange",
  "ImageFormatInvalid",
  "ModelUnavailable",
  "ImageDownloadFailure",
  "Conflict",
]);

const LOST = new Set(["TaskNotFound", "CreationNotFound", "NotFound"]);
const CANCELLED = new Set(["UserCancelled", "Canceled"]);

/** Every documented Vidu error reason (error-code page), by what the gateway must do about it. */
export function viduError(reason: string, message: string, httpStatus: number, phase: "submit" | "poll"): Outcome {
  const why = `${message || "no message"} (${reason || `HTTP ${httpStatus}`})`;
  if (BUSY.has(reason)) return { kind: "busy", message: `Vidu is at its rate or concurrency limit: ${why}` };
  if (reason === "CreditInsufficient") return vendorFailure.credit(V, why);
  if (reason === "Unauthorized" || reason === "Forbidden" || httpStatus === 401 || httpStatus === 403) {
    return vendorFailure.credentials(V, why, "VIDU_API_KEY");
  }
  if (VIDU_MODERATION.has(reason)) return vendorFailure.moderation(V, why);
  if (phase === "poll" && (LOST.has(reason) || httpStatus === 404)) return vendorFailure.lost(V, why);
  // A cancelled task never resumes; its message says it was cancelled rather than broken.
  if (CANCELLED.has(reason)) return vendorFailure.generation(V, `the task was cancelled: ${why}`);
  if (REQUEST.has(reason)) return vendorFailure.request(V, why);
  if (reason === "InternalServiceFailure") return retryLater(`Vidu had an internal problem: ${why}`);
  if (httpStatus >= 500) return byHttpStatus(V, httpStatus, why);
  return undocumented(V, httpStatus, why);
}
