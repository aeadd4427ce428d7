// GET /openapi.json and GET /docs (API.md §10) from wrangler dev: the description validates with an independent
// OpenAPI 3.1 validator, and headless Chromium shows the reference with every request staying on the gateway's
// origin (it works offline). DOCS_SCREENSHOT=path saves a screenshot of the page (docs/screenshots/docs.png).
import { Validator } from "@seriousme/openapi-schema-validator";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, missingChromium } from "./chromium.ts";
import { type E2E, startE2E } from "./stack.ts";

let e2e: E2E;
let browser: Browser | undefined;

beforeAll(async () => {
  e2e = await startE2E({ port: 18922, simPort: 18923 });
  if (!missingChromium) browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

describe("the API description", () => {
  it("is a valid OpenAPI 3.1 document, served without a key", async () => {
    const { status, body, response } = await e2e.api("/openapi.json", { key: null });
    expect(status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const validator = new Validator();
    const result = await validator.validate(body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });
});

describe("the docs page in a real browser", () => {
  it("lists the routes and makes no request outside the gateway's origin", async () => {
    if (missingChromium) throw new Error(missingChromium);
    const origin = new URL(e2e.stack.gatewayUrl).origin;
    const context = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const requested: string[] = [];
      context.on("request", (request) => requested.push(request.url()));
      const page = await context.newPage();
      const response = await page.goto(`${e2e.stack.gatewayUrl}/docs`);
      expect(response?.status()).toBe(200);
      await page.getByText("Create a video generation task", { exact: true }).first().waitFor({ timeout: 30_000 });
      await page.getByText("OpenAI-compatible", { exact: true }).first().click();
      await page.getByText("Create a video (OpenAI's videos.create)", { exact: true }).first().waitFor({ timeout: 10_000 });
      // Scalar renders the operations a few at a time after the first headings: wait for each path to appear.
      for (const path of ["/v1/video/generations/{id}/cancel", "/v1/videos/{id}/content", "/v1/models"]) {
        await expect.poll(async () => (await page.locator("body").textContent()) ?? "", { timeout: 20_000 }).toContain(path);
      }
      await page.waitForTimeout(2_000); // time for any late request to show up below
      if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT });

      const network = requested.filter((url) => /^(https?|wss?):/.test(url));
      expect(network.length).toBeGreaterThanOrEqual(3); // the page, its script, the description
      expect(network.filter((url) => new URL(url).origin !== origin)).toEqual([]);
      expect(network).toEqual(expect.arrayContaining([`${origin}/docs/scalar.js`, `${origin}/openapi.json`]));
    } finally {
      await context.close();
    }
  }, 90_000);
});
