import * as v from "valibot";
import { ApiError } from "./errors.ts";

/** Turns valibot's first issue into a 400 that names the field and says what to change. */
export function parseOr400<S extends v.GenericSchema>(schema: S, input: unknown, knownFields?: readonly string[]): v.InferOutput<S> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ApiError(400, "The request body must be a JSON object.", "invalid_request_body");
  }
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const param = issue.path?.map((item) => String(item.key)).join(".") || null;
  if (issue.received === "undefined" && param) {
    throw new ApiError(400, `${param} is required.`, "missing_required_field", param);
  }
  if (issue.type === "strict_object" && param) {
    const accepted = knownFields ? ` Accepted fields: ${knownFields.join(", ")}.` : "";
    throw new ApiError(400, `Unknown field "${param}": remove it.${accepted}`, "unknown_field", param);
  }
  if (!param) throw new ApiError(400, `The request body must be a JSON object (${issue.message}).`, "invalid_request_body");
  return invalidField(param, issue.message);
}

function invalidField(param: string, message: string): never {
  throw new ApiError(400, message.endsWith(".") ? message : `${message}.`, "invalid_value", param);
}

const MAX_PAGE = 100;

/** `?limit=&after=` of every list: limit 1 to 100 (default 20); after is the last id of the previous page. */
export function pageQuery(limitText: string | undefined, after: string | undefined): { limit: number; after: string | null } {
  const limit = limitText === undefined ? 20 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1 || limit > MAX_PAGE) throw new ApiError(400, `limit must be an integer from 1 to ${MAX_PAGE}.`, "invalid_value", "limit");
  return { limit, after: after ?? null };
}
