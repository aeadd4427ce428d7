// Scalar's browser bundle, imported as text (wrangler.toml's Text rule) and served from here, so /docs loads nothing
// from another origin.
import scalarJs from "@scalar/api-reference/browser/standalone.js";
import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import { openAPIRouteHandler } from "hono-openapi";
import type { AppEnv } from "./app-env.ts";
import { documented } from "./route-docs.ts";

const TAGS = [
  { name: "Generations", description: "The unified API: one task shape for every vendor." },
  {
    name: "OpenAI-compatible",
    description: "OpenAI's Videos API (for the official SDKs' client.videos) over the same tasks and ids; errors in OpenAI's {\"error\": …} envelope.",
  },
  { name: "Models", description: "What this deployment serves." },
  { name: "Vendor callbacks", description: "Called by vendors, not by users." },
  { name: "Reference", description: "This description and its docs page." },
];

/** GET /openapi.json (generated from the routes' own descriptions and valibot schemas) and GET /docs. */
export function reference(app: Hono<AppEnv>): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get(
      "/openapi.json",
      documented({ tag: "Reference", public: true, summary: "This OpenAPI 3.1 description", ok: { description: "The document.", media: "application/json" } }),
      openAPIRouteHandler(app, {
        excludeStaticFile: false,
        defaultValidationErrorResponse: false,
        documentation: {
          openapi: "3.1.0",
          info: {
            title: "Video generation gateway",
            version: "1",
            description: "One API for Kling, Vidu, Jimeng and Seedance (Ark) video generation, plus OpenAI's Videos API over the same tasks.",
          },
          tags: TAGS,
          components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "`Authorization: Bearer sk-...`" } } },
          security: [{ apiKey: [] }],
        },
      }),
    )
    .get(
      "/docs",
      documented({ tag: "Reference", public: true, summary: "The interactive API reference", ok: { description: "An HTML page.", media: "text/html" } }),
      // Nothing leaves this origin: no hosted fonts, telemetry, AI agent (it searches Scalar's registry) or developer tools.
      Scalar({
        url: "/openapi.json",
        cdn: "/docs/scalar.js",
        pageTitle: "Video gateway API",
        withDefaultFonts: false,
        telemetry: false,
        agent: { disabled: true },
        showDeveloperTools: "never",
      }),
    )
    .get(
      "/docs/scalar.js",
      documented({ tag: "Reference", public: true, summary: "The docs page's script (Scalar)", ok: { description: "JavaScript.", media: "text/javascript" } }),
      (c) => c.body(scalarJs, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" }),
    );
}
