import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorBody, type ErrorStatus, errorTypeFor } from "../lib/errors.ts";

/** Thrown anywhere in request handling; rendered by the app's single onError. */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus & ContentfulStatusCode,
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

/** The OpenAI-compatible routes (API.md §9): the same error object, wrapped in `{"error": …}` as OpenAI's clients expect. */
const OPENAI_ROUTES = /^\/v1\/videos(\/|$)/;

/** An error's JSON body on the route at `path`. */
export function errorPayload(path: string, err: ApiError): ErrorBody | { error: ErrorBody } {
  return OPENAI_ROUTES.test(path) ? { error: err.body } : err.body;
}
