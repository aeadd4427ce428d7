import type { MiddlewareHandler } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import * as v from "valibot";
import type { ErrorStatus } from "../lib/errors.ts";

/** The error format of API.md §3. */
const ErrorObject = v.object({
  code: v.nullable(v.string()),
  message: v.pipe(v.string(), v.description("What went wrong and what to change.")),
  param: v.nullable(v.pipe(v.string(), v.description("The request field (or header, or query parameter) at fault."))),
  type: v.picklist([
    "invalid_request_error",
    "authentication_error",
    "billing_error",
    "permission_error",
    "rate_limit_error",
    "upstream_error",
    "server_error",
  ]),
});

/**
 * A valibot schema as OpenAPI 3.1's JSON Schema. Custom checks have none (their rules are in the error messages),
 * so they are left out; an uploaded file is a binary string, as OpenAPI describes multipart parts.
 */
const schema = (s: v.GenericSchema) =>
  resolver(s, {
    target: "draft-2020-12",
    errorMode: "ignore",
    overrideSchema: ({ valibotSchema }: { valibotSchema: { type: string } }) =>
      valibotSchema.type === "file" ? { type: "string", format: "binary", contentMediaType: "image/*" } : undefined,
  });

const WHEN: Record<ErrorStatus, string> = {
  400: "The request is invalid: `param` names the field, `message` says what to change.",
  401: "No API key, or an invalid one.",
  402: "The key's available credits (balance − reserved) are below the task's price; nothing was submitted.",
  403: "A tampered or expired signed URL.",
  404: "No such task for this API key (another key's task reads the same).",
  409: "The task is not in a state that allows this.",
  410: "The video is past its retention and no longer stored.",
  413: "The body is larger than 20 MiB.",
  415: "The body is not sent with a content type this route takes.",
  422: "The Idempotency-Key was used before with a different body.",
  429: "The key's rate or concurrency limit; see Retry-After.",
  500: "The gateway's own failure, with a request id to quote.",
  502: "The vendor failed.",
  503: "The vendor account cannot serve the request.",
  504: "The vendor did not answer in time.",
};

export interface RouteDoc {
  summary: string;
  tag: "Generations" | "OpenAI-compatible" | "Models" | "Account" | "Operator" | "Vendor callbacks" | "Reference";
  description?: string;
  /** Errors in OpenAI's `{"error": …}` envelope (API.md §9). */
  openai?: boolean;
  /** Reached without an API key; "or-key": with one, or with a signed query instead. */
  public?: boolean | "or-key";
  /** Query parameters: name → what it does. */
  query?: Record<string, string>;
  body?: { schema: v.GenericSchema; media?: string[]; examples?: Record<string, unknown> };
  ok: { description: string; schema?: v.GenericSchema; media?: string; status?: 200 | 201 };
  errors?: ErrorStatus[];
}

const ERROR_MEDIA = "application/json";

/** A route's OpenAPI description, next to the route: `.get("/", documented({...}), handler)`. */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const errorSchema = schema(doc.openai ? v.object({ error: ErrorObject }) : ErrorObject);
  const errors = [...new Set([...(doc.public ? [] : ([401] as const)), ...(doc.errors ?? []), 500 as const])];
  return describeRoute({
    summary: doc.summary,
    description: doc.description,
    tags: [doc.tag],
    ...(doc.public ? { security: doc.public === "or-key" ? [{ apiKey: [] }, {}] : [] } : {}),
    parameters: Object.entries(doc.query ?? {}).map(([name, description]) => ({ name, in: "query", required: false, description, schema: { type: "string" } })),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              (doc.body.media ?? ["application/json"]).map((media) => [
                media,
                {
                  schema: schema(doc.body!.schema),
                  ...(doc.body!.examples && media === "application/json"
                    ? { examples: Object.fromEntries(Object.entries(doc.body!.examples).map(([name, value]) => [name, { value }])) }
                    : {}),
                },
              ]),
            ),
          },
        }
      : {}),
    responses: {
      [doc.ok.status ?? 200]: {
        description: doc.ok.description,
        ...(doc.ok.schema || doc.ok.media ? { content: { [doc.ok.media ?? "application/json"]: doc.ok.schema ? { schema: schema(doc.ok.schema) } : {} } } : {}),
      },
      ...Object.fromEntries(errors.map((status) => [status, { description: WHEN[status], content: { [ERROR_MEDIA]: { schema: errorSchema } } }])),
    },
  });
}
