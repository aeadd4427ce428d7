import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { safeEqual, sha256Hex } from "../lib/crypto.ts";
import type { AppEnv } from "./app-env.ts";
import { identify, reject } from "./auth.ts";
import { ApiError } from "./errors.ts";

/**
 * The operator's routes (/v1/admin/*): bearer keys checked against the ADMIN_API_KEYS digests; sets `admin` (the
 * entry's label). A user key (static or managed, usable or not) is 403: it is a key, just not one for these routes.
 */
export const requireAdminKey: MiddlewareHandler<AppEnv> = bearerAuth({
  verifyToken: async (token, c) => {
    const digest = await sha256Hex(token);
    const entry = c.var.config.adminApiKeys.find((k) => safeEqual(k.digest, digest));
    if (entry) {
      c.set("admin", { label: entry.label });
      return true;
    }
    if (await identify(c.env, c.var.config, token)) {
      throw new ApiError(403, "This is a user API key; the admin routes need an admin key (ADMIN_API_KEYS).", "admin_key_required");
    }
    return false;
  },
  noAuthenticationHeader: { message: reject("Missing admin key: send it as `Authorization: Bearer <admin key>`.") },
  invalidAuthenticationHeader: { message: reject("Malformed Authorization header: it must be `Bearer <admin key>`.") },
  invalidToken: { message: reject("Invalid admin key: check the key, or ask whoever runs the gateway to add its digest to ADMIN_API_KEYS.") },
});
