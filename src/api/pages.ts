// The web pages of API.md §11: the files under web/, imported as text (wrangler.toml's Text rule, and the test
// runner's equivalent in vitest.config.ts) and served from here, so the pages load nothing from another origin.
import { Hono } from "hono";
import adminHtml from "../../web/admin.html";
import adminJs from "../../web/admin.js";
import commonJs from "../../web/common.js";
import playgroundHtml from "../../web/playground.html";
import playgroundJs from "../../web/playground.js";
import styleCss from "../../web/style.css";
import type { AppEnv } from "./app-env.ts";
import { ApiError } from "./errors.ts";
import { documented } from "./route-docs.ts";

/**
 * Only this origin: scripts and styles are files of web/, every fetch goes to the gateway's own API, videos play from
 * its signed URLs. `data:` images are the first frame a user picks, previewed before it is sent.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const ASSETS: Record<string, { body: string; type: string }> = {
  "common.js": { body: commonJs, type: "text/javascript; charset=utf-8" },
  "playground.js": { body: playgroundJs, type: "text/javascript; charset=utf-8" },
  "admin.js": { body: adminJs, type: "text/javascript; charset=utf-8" },
  "style.css": { body: styleCss, type: "text/css; charset=utf-8" },
};

const headers = (type: string) => ({
  "content-type": type,
  "content-security-policy": CSP,
  // Pages and scripts change together on a deploy; a short cache keeps them in step.
  "cache-control": "public, max-age=300",
  "referrer-policy": "no-referrer",
});

const page = (summary: string) => documented({ tag: "Reference", public: true, summary, ok: { description: "An HTML page.", media: "text/html" } });

/** GET /playground (users), GET /admin (the operator) and their scripts and styles under /web/. */
export const pages = new Hono<AppEnv>()
  .get("/playground", page("The playground: generate a video with your API key"), (c) => c.body(playgroundHtml, 200, headers("text/html; charset=utf-8")))
  .get("/admin", page("The operator's console: keys, usage, failed tasks, vendor accounts"), (c) => c.body(adminHtml, 200, headers("text/html; charset=utf-8")))
  .get(
    "/web/:file",
    documented({
      tag: "Reference",
      public: true,
      summary: "The web pages' scripts and styles",
      ok: { description: "JavaScript or CSS.", media: "text/javascript" },
      errors: [404],
    }),
    (c) => {
      const asset = ASSETS[c.req.param("file")];
      if (!asset) throw new ApiError(404, `No file ${c.req.param("file")} under /web/.`, "route_not_found");
      return c.body(asset.body, 200, headers(asset.type));
    },
  );
