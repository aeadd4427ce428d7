import { byHttpStatus, retryLater, undocumented, vendorFailure } from "../outcomes.ts";
import type { Outcome } from "../types.ts";

/**
 * Every code of Ark's inference error table (Volcengine "错误码", volcengine.com/docs/82379/1299023, as quoted in
 * /work/shared/reference/ark-seedance.md §10), by what the gateway must do about it. Codes carry suffixes
 * (`InvalidParameter.<param>`, `…SensitiveContentDetected.PolicyViolation`), so families are matched by prefix.
 */

const A = "Ark";
const CREDENTIALS = "ARK_API_KEY";

const BUSY = new Set([
  "RateLimitExceeded.EndpointRPMExceeded",
  "RateLimitExceeded.EndpointTPMExceeded",
  "ModelAccountRpmRateLimitExceeded",
  "ModelAccountTpmRateLimitExceeded",
  "ModelAccountIpmRateLimitExceeded",
  "APIAccountRpmRateLimitExceeded",
  "AccountRateLimitExceeded",
  "ServerOverloaded",
  "RequestBurstTooFast",
  "InflightBatchsizeExceeded",
]);

const has = (code: string, family: string) => code === family || code.startsWith(`${family}.`);

/** The input checks refuse the request itself; the output checks ran on the generated video (a resubmit may pass). */
function moderation(code: string): "input" | "output" | null {
  if (/^Input(Text|Image|Video|Audio)SensitiveContentDetected/.test(code)) return "input";
  if (/^Output(Video|Audio|Image|Text)SensitiveContentDetected/.test(code)) return "output";
  return null;
}

export function arkError(code: string, message: string, httpStatus: number, phase: "submit" | "poll"): Outcome {
  const why = `${message || "no message"} (${code || `HTTP ${httpStatus}`})`;
  const policy = moderation(code);
  if (policy === "input") return vendorFailure.moderation(A, why);
  if (policy === "output") return vendorFailure.moderation(A, `${why}; this check ran on the generated video, so submitting again may pass`);
  if (BUSY.has(code) || code.startsWith("RateLimitExceeded")) return { kind: "busy", message: `Ark is at a rate or concurrency limit: ${why}` };
  // One code, two meanings, told apart only by the message: too many queued tasks (wait) or a spent free trial.
  if (code === "QuotaExceeded")
    return /free trial|exhausted/i.test(message) ? vendorFailure.credit(A, why) : { kind: "busy", message: `Ark's task queue is full: ${why}` };
  if (code === "SetLimitExceeded") return vendorFailure.account(A, `${why}; the account's own spending limit ("safe experience mode") was reached`);
  if (code === "AuthenticationError" || httpStatus === 401) return vendorFailure.credentials(A, why, CREDENTIALS);
  if (code === "AccountOverdueError" || code === "OperationDenied.ServiceOverdue") return vendorFailure.credit(A, why);
  if (code === "AccessDenied" || code === "OperationDenied.ServiceNotOpen" || code === "ModelNotOpen") return vendorFailure.account(A, why);
  if (phase === "poll" && httpStatus === 404) return vendorFailure.lost(A, why);
  if (code === "InvalidEndpointOrModel.NotFound") return vendorFailure.request(A, `${why}; the model id must carry its version`);
  if (has(code, "InvalidParameter") || has(code, "MissingParameter")) return vendorFailure.request(A, why);
  // "请稍后重试": a closed endpoint may reopen.
  if (code === "InvalidEndpoint.ClosedEndpoint") return retryLater(`Ark's endpoint is closed for now: ${why}`);
  // Only Ark's own code says nothing was created; another 5xx leaves a submission in doubt.
  if (code === "InternalServiceError") return retryLater(`Ark had an internal problem: ${why}`);
  if (httpStatus >= 500) return byHttpStatus(A, httpStatus, why);
  return undocumented(A, httpStatus, why);
}
