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
