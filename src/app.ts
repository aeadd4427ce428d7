import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import { account } from "./api/account.ts";
import { admin } from "./api/admin.ts";
import { adminAccounts } from "./api/admin-accounts.ts";
import type { AppEnv } from "./api/app-env.ts";
import { callbacks } from "./api/callbacks.ts";
import { content } from "./api/content.ts";
import { ApiError, errorPayload } from "./api/errors.ts";
import { generations } from "./api/generations.ts";
import { models } from "./api/models.ts";
import { pages } from "./api/pages.ts";
import { reference } from "./api/reference.ts";
import { videos } from "./api/videos.ts";
import { ConfigError, config } from "./config.ts";
import { checkPrices } from "./keys/prices.ts";
import { InsufficientCredits } from "./keys/wallet.ts";
import { InputError } from "./lib/errors.ts";

export const app = new Hono<AppEnv>();

app.use(requestId());
app.use(secureHeaders({ crossOriginResourcePolicy: "cross-origin" }));
// A bad variable fails here, at the first request, with its name, not somewhere inside a route.
app.use(async (c, next) => {
  const cfg = config(c.env);
  checkPrices(cfg); // PRICES against the model tables, once per configuration
  c.set("config", cfg);
  await next();
});

// A create's stages as Server-Timing (src/api/submit-generation.ts): where a slow POST spends its time, for anyone.
for (const create of ["/v1/video/generations", "/v1/videos"]) app.use(create, timing({ crossOrigin: true }));

app.route("/v1/video/generations", content);
app.route("/v1/video/generations", generations);
app.route("/v1/models", models);
app.route("/v1/videos", videos);
app.route("/", reference(app));
app.route("/", pages);
app.route("/v1/callbacks", callbacks);
app.route("/v1/admin/accounts", adminAccounts);
app.route("/v1/admin", admin);
app.route("/v1", account);

app.notFound((c) => {
  const err = new ApiError(404, `No route ${c.req.method} ${new URL(c.req.url).pathname}. See the README for the API.`, "route_not_found");
  return c.json(errorPayload(c.req.path, err), 404);
});

/** The one place errors become responses: the error format (wrapped on the OpenAI routes), never a stack trace or secret. */
app.onError((err, c) => {
  const answer = asApiError(err);
  if (answer) {
    for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
    return c.json(errorPayload(c.req.path, answer), answer.status);
  }
  if (err instanceof HTTPException && err.res) return err.res;
  console.error(`request ${c.var.requestId} failed:`, err);
  const internal = new ApiError(500, `Internal error; quote request id ${c.var.requestId} when reporting it.`, "internal_error");
  return c.json(errorPayload(c.req.path, internal), 500);
});

function asApiError(err: Error): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof InputError) return new ApiError(400, err.message, err.code, err.param);
  if (err instanceof InsufficientCredits) return new ApiError(402, err.message, "insufficient_credits");
  if (err instanceof ConfigError) {
    console.error(err.message);
    return new ApiError(500, `${err.message} The operator must fix it.`, "server_misconfigured");
  }
  if (err instanceof HTTPException && !err.res) return new ApiError(err.status as ApiError["status"], err.message || "Request failed.");
  return null;
}
