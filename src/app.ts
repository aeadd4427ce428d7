import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { callbacks } from "./api/callbacks.ts";
import { content } from "./api/content.ts";
import { generations } from "./api/generations.ts";
import { models } from "./api/models.ts";
import type { AppEnv } from "./app-env.ts";
import { ApiError } from "./lib/errors.ts";

export const app = new Hono<AppEnv>();

app.use(requestId());
app.use(secureHeaders({ crossOriginResourcePolicy: "cross-origin" }));

app.route("/v1/video/generations", content);
app.route("/v1/video/generations", generations);
app.route("/v1/models", models);
app.route("/v1/callbacks", callbacks);

app.notFound((c) => {
  const err = new ApiError(404, `No route ${c.req.method} ${new URL(c.req.url).pathname}. See the README for the API.`, "route_not_found");
  return c.json(err.body, 404);
});

/** The one place errors become responses: always the flat error format, never a stack trace or secret. */
app.onError((err, c) => {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return c.json(err.body, err.status);
  }
  if (err instanceof HTTPException) {
    if (err.res) return err.res;
    const wrapped = new ApiError(err.status as ApiError["status"], err.message || "Request failed.");
    return c.json(wrapped.body, wrapped.status);
  }
  console.error(`request ${c.var.requestId} failed:`, err);
  const internal = new ApiError(500, `Internal error; quote request id ${c.var.requestId} when reporting it.`, "internal_error");
  return c.json(internal.body, 500);
});
