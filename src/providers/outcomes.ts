import { type ErrorStatus, taskError } from "../lib/errors.ts";
import type { Outcome } from "./types.ts";

function failed(status: ErrorStatus, code: string, message: string): Outcome {
  return { kind: "failed", error: taskError(status, code, message) };
}

/** The error codes a vendor's terminal answer becomes, shared so every vendor reads the same to users. */
export const vendorFailure = {
  request: (vendor: string, why: string) => failed(400, "vendor_rejected_request", `${vendor} rejected the request: ${why}`),
  moderation: (vendor: string, why: string) => failed(400, "content_policy_violation", `${vendor} refused the content: ${why}. Change the prompt or image.`),
  credentials: (vendor: string, why: string, variables: string) =>
    failed(502, "upstream_auth_failed", `${vendor} did not accept this gateway's credentials (${why}); the operator must check ${variables}.`),
  credit: (vendor: string, why: string) =>
    failed(503, "upstream_insufficient_credit", `${vendor} account of this gateway is out of credit (${why}); the operator must top it up.`),
  account: (vendor: string, why: string) =>
    failed(503, "upstream_account_error", `${vendor} refused this gateway's account (${why}); the operator must check the vendor account.`),
  generation: (vendor: string, why: string) => failed(502, "generation_failed", `${vendor} could not generate the video: ${why}`),
  lost: (vendor: string, why: string) => failed(502, "upstream_task_lost", `${vendor} no longer knows this task: ${why}`),
};

/** A transient answer the vendor documents as creating nothing (its own error code): a submission may be sent again. */
export function retryLater(message: string): Outcome {
  return { kind: "transient", message, safeToRetry: true };
}

/** Outcome for a transport-level answer: 429 busy, 5xx and unknown statuses transient (and, on a submission, in doubt). */
export function byHttpStatus(vendor: string, status: number, why: string): Outcome {
  if (status === 429) return { kind: "busy", message: `${vendor} is busy: ${why}` };
  return { kind: "transient", message: `${vendor} answered HTTP ${status}: ${why}` };
}

/** An answer outside a vendor's documented codes: another 4xx is the request's fault, the rest goes by status. */
export function undocumented(vendor: string, status: number, why: string): Outcome {
  return status >= 400 && status < 500 && status !== 429 ? vendorFailure.request(vendor, why) : byHttpStatus(vendor, status, why);
}
