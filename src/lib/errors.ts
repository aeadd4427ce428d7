/** The error format every answer and every failed task uses (the seed's flat shape). */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "billing_error"
  | "permission_error"
  | "rate_limit_error"
  | "upstream_error"
  | "server_error";

export interface ErrorBody {
  code: string | null;
  message: string;
  param: string | null;
  type: ErrorType;
}

/** HTTP statuses the gateway answers errors with. */
export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export function errorTypeFor(status: number): ErrorType {
  if (status === 401) return "authentication_error";
  if (status === 402) return "billing_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 502 && status <= 504) return "upstream_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** A task's failure, kept with the HTTP status it would have had as a direct answer. */
export interface TaskError extends ErrorBody {
  status: ErrorStatus;
}

export function taskError(status: ErrorStatus, code: string, message: string): TaskError {
  return { status, code, message, param: null, type: errorTypeFor(status) };
}

/**
 * A request the gateway cannot serve as given (a vendor's limits, a field that does not fit): the domain's way of
 * saying "400, change `param`", without knowing about HTTP.
 */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    readonly param: string,
    message: string,
    readonly code = "invalid_value",
  ) {
    super(message);
  }
}

/** A 400 about one request field, phrased as what to change. */
export function invalid(param: string, message: string, code = "invalid_value"): never {
  throw new InputError(param, message, code);
}

// Workflow step errors are stored and replayed by the engine as plain Errors (their class and name are lost),
// so a vendor's trouble is marked in the message itself.
const VENDOR_MARK = "[vendor] ";

/** The vendor misbehaved (an error answer, no answer): retried, and at the end reported as the vendor's fault. */
export function vendorTrouble(message: string): Error {
  return new Error(VENDOR_MARK + message);
}

/** The vendor's trouble behind an error, or null when the error is the gateway's own (R2, a Durable Object, a bug). */
export function vendorTroubleOf(err: unknown): string | null {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(VENDOR_MARK) ? message.slice(VENDOR_MARK.length) : null;
}
