import type { MiddlewareHandler } from "hono";
import { safeEqual, sha256Hex } from "../lib/crypto.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError } from "./errors.ts";

/**
 * The operator's routes (/v1/admin/…): a bearer key whose SHA-256 is in ADMIN_API_KEYS. No key or an unknown one is
 * 401 `invalid_api_key`; a user's key (API_KEYS) is known but not allowed here: 403 `permission_error`.
 */
export const requireAdminKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match) throw new ApiError(401, "Missing admin key: send it as `Authorization: Bearer <admin key>`.", "invalid_api_key");
  const digest = await sha256Hex(match[1]!);
  const cfg = c.var.config;
  if (cfg.adminKeys.some((k) => safeEqual(k.digest, digest))) return next();
  if (cfg.apiKeys.some((k) => safeEqual(k.digest, digest))) {
    throw new ApiError(403, "This route needs an admin key (ADMIN_API_KEYS); an API key cannot use it.", "permission_error");
  }
  throw new ApiError(401, "Invalid admin key: check the key, or ask the operator to add its digest to ADMIN_API_KEYS.", "invalid_api_key");
};
