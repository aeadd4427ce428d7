// GET /playground and GET /admin (API.md §11): HTML pages whose scripts and styles come from the gateway itself, under
// a Content-Security-Policy that lets them reach nothing but this origin.
import { describe, expect, it } from "vitest";
import { api } from "./helpers.ts";

const ORIGIN_ONLY = /^(?:'self'|'none'|data:|blob:)$/;

describe("the web pages", () => {
  for (const path of ["/playground", "/admin"]) {
    it(`${path} is an HTML page, without a key, whose every script and style is served by the gateway`, async () => {
      const page = await api(path, { key: null });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      // Every source of every directive is this origin (or an inline image or video the page made itself).
      for (const directive of csp.split(";").map((d) => d.trim().split(/\s+/))) for (const source of directive.slice(1)) expect(source).toMatch(ORIGIN_ONLY);
      const html = await page.text();
      expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
      const assets = [...html.matchAll(/(?:src|href)="(\/web\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets).toEqual(expect.arrayContaining(["/web/style.css", expect.stringMatching(/^\/web\/\w+\.js$/)]));
      for (const asset of assets) {
        const file = await api(asset, { key: null });
        expect(file.status).toBe(200);
        expect(file.headers.get("content-type")).toMatch(asset.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
        expect(file.headers.get("content-security-policy")).toBe(csp);
      }
    });
  }

  it("the pages' script imports the shared module, also served; an unknown file is a 404 in the error format", async () => {
    const script = await (await api("/web/playground.js", { key: null })).text();
    expect(script).toContain('from "./common.js"');
    expect((await api("/web/common.js", { key: null })).status).toBe(200);
    const missing = await api("/web/nope.js", { key: null });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "route_not_found", type: "invalid_request_error" });
  });
});
