// GET /openapi.json and /docs (API.md §10): the description covers every route the app has, from the same schemas.
// (Its validation against the OpenAPI 3.1 schema runs in Node, test/e2e/docs.e2e.test.ts: validators compile code,
// which workerd forbids.)
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { api, apiJson } from "./helpers.ts";

type Json = Record<string, any>;

/** The routes of API.md §4 and §9 (§8's join them as they are built): each must be described. */
const CONTRACT = [
  "POST /v1/video/generations",
  "GET /v1/video/generations",
  "GET /v1/video/generations/{id}",
  "GET /v1/video/generations/{id}/content",
  "HEAD /v1/video/generations/{id}/content",
  "POST /v1/video/generations/{id}/cancel",
  "GET /v1/models",
  "POST /v1/callbacks/{vendor}/{id}",
  "POST /v1/videos",
  "GET /v1/videos",
  "GET /v1/videos/{id}",
  "DELETE /v1/videos/{id}",
  "GET /v1/videos/{id}/content",
  "GET /openapi.json",
  "GET /docs",
];

async function documentPaths(): Promise<Json> {
  const { status, body } = await apiJson("/openapi.json", { key: null });
  expect(status).toBe(200);
  expect(body.openapi).toBe("3.1.0");
  return body.paths;
}

const operations = (paths: Json) => Object.entries(paths).flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m.toUpperCase()} ${path}`));

describe("GET /openapi.json", () => {
  it("describes every route the Hono app has", async () => {
    const described = new Set(operations(await documentPaths()));
    const routes = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((r) => !described.has(r))).toEqual([]);
  });

  it("describes every route of the contract, with its error responses", async () => {
    const paths = await documentPaths();
    expect(CONTRACT.filter((op) => !operations(paths).includes(op))).toEqual([]);
    const create = paths["/v1/video/generations"].post;
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "422", "429"]));
    expect(create.responses["400"].content["application/json"].schema.properties).toHaveProperty("param");
    expect(paths["/v1/videos"].post.responses["400"].content["application/json"].schema.properties).toHaveProperty("error");
    expect(paths["/v1/video/generations/{id}"].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "id", in: "path" })]));
  });

  it("takes its request schemas from the valibot schemas the routes validate with, with the seed's examples", async () => {
    const paths = await documentPaths();
    const body = paths["/v1/video/generations"].post.requestBody.content["application/json"];
    expect(body.schema.required).toEqual(["model"]);
    expect(body.schema.additionalProperties).toBe(false);
    expect(Object.keys(body.schema.properties)).toEqual(expect.arrayContaining(["model", "prompt", "duration", "size", "image", "metadata"]));
    expect(body.examples.kling.value).toMatchObject({ model: "kling-v1", size: "1920x1080" });
    const video = paths["/v1/videos"].post.requestBody.content;
    expect(Object.keys(video)).toEqual(["multipart/form-data", "application/json"]);
    expect(Object.keys(video["application/json"].schema.properties)).toEqual(["model", "prompt", "seconds", "size", "input_reference"]);
  });
});

describe("GET /docs", () => {
  it("is a page whose only script comes from the gateway itself", async () => {
    const page = await api("/docs", { key: null });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('src="/docs/scalar.js"');
    expect(html).not.toMatch(/src="https?:/);
    const script = await api("/docs/scalar.js", { key: null });
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1_000_000);
  });
});
