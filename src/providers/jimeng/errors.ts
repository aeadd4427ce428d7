import { retryLater, undocumented, vendorFailure } from "../outcomes.ts";
import type { Outcome } from "../types.ts";

export const J = "Jimeng";
const CREDENTIALS = "VOLC_ACCESS_KEY_ID and VOLC_SECRET_ACCESS_KEY";

/** Input and result checks the vendor says will fail again on the same request. */
const MODERATION_FINAL = new Set([50411, 50412, 50413, 50512, 50518, 50520, 50521, 50522]);
/** Checks of the generated output: the vendor says a new generation may pass, but this task is over. */
const MODERATION_OUTPUT = new Set([50511, 50516, 50517, 50519]);

/** Codes of Volcengine's API gateway (signature and access), by name for answers that carry no CodeN. */
const GATEWAY_CODES: Record<string, number> = {
  MissingAuthenticationToken: 100003,
  MissingSignature: 100005,
  InvalidTimestamp: 100006,
  InvalidAccessKey: 100009,
  SignatureDoesNotMatch: 100010,
  AccessDenied: 100013,
};
const GATEWAY_CREDENTIALS = new Set([100003, 100005, 100009, 100010, 100013]);

/** Codes outside the tables: an auth status is the operator's problem, another 4xx the request's, the rest by status. */
function unknownCode(httpStatus: number, why: string): Outcome {
  if (httpStatus === 401 || httpStatus === 403) return vendorFailure.credentials(J, why, CREDENTIALS);
  return undocumented(J, httpStatus, why);
}

/** Every business code of the Jimeng video docs (non-10000 `code`), by what the gateway must do about it. */
export function jimengError(code: number, message: string, httpStatus: number): Outcome {
  const why = `${message || "no message"} (code ${code})`;
  if (MODERATION_FINAL.has(code)) return vendorFailure.moderation(J, why);
  if (MODERATION_OUTPUT.has(code)) {
    return vendorFailure.moderation(J, `${why}; this check ran on the generated video, so submitting the request again may pass`);
  }
  if (code === 50429 || code === 50430) return { kind: "busy", message: `Jimeng is at its QPS or concurrency limit: ${why}` };
  // The workflow's retry cap turns "retry a few times, then fail" into a failed task.
  if (code === 50500 || code === 50501) return retryLater(`Jimeng had an internal error (retried a few times): ${why}`);
  if (code === 50400) return vendorFailure.credentials(J, why, CREDENTIALS);
  return unknownCode(httpStatus, why);
}

/** Errors of Volcengine's API gateway (`ResponseMetadata.Error`), answered before Jimeng sees the request. */
export function volcGatewayError(codeN: number | undefined, code: string, message: string, httpStatus: number): Outcome {
  const n = codeN ?? GATEWAY_CODES[code];
  const why = `${message || "no message"} (${[code, n].filter(Boolean).join(" ")})`;
  // A clock step or a slow retry: the next attempt is signed again with a fresh X-Date.
  if (n === 100006) return retryLater(`Volcengine refused the request time: ${why}`);
  if (n !== undefined && GATEWAY_CREDENTIALS.has(n)) return vendorFailure.credentials(J, why, CREDENTIALS);
  return unknownCode(httpStatus, why);
}
