import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "rate_limit_error"
  | "upstream_error"
  | "server_error";

/** The seed's flat error format: every non-2xx body and every failed task's `error`. */
export interface ErrorBody {
  code: string | null;
  message: string;
  param: string | null;
  type: ErrorType;
}

function errorTypeFor(status: number): ErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 502 && status <= 504) return "upstream_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** Thrown anywhere in request handling; rendered by the app's single onError. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message, param: this.param, type: errorTypeFor(this.status) };
  }
}

/** A task's failure, kept with the HTTP status it would have had as a direct answer. */
export interface TaskError extends ErrorBody {
  status: ContentfulStatusCode;
}

export function taskError(status: ContentfulStatusCode, code: string, message: string): TaskError {
  return { status, code, message, param: null, type: errorTypeFor(status) };
}
