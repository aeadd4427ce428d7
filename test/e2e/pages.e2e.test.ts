// GET /playground and GET /admin (API.md §11) in headless Chromium against the real stack: a user fills the form,
// submits, watches the progress and plays the video the gateway stored; the operator creates a key and sees it listed,
// tops it up, disables and revokes keys; every request of either page stays on the gateway's origin, and both pages
// fit a phone's width. PAGES_SCREENSHOTS=dir saves each page at desktop and phone widths (docs/screenshots/).
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ADMIN_KEY, LOCAL_API_KEY } from "../../scripts/local-stack.ts";
import { launchChromium, missingChromium } from "./chromium.ts";
import { type E2E, startE2E } from "./stack.ts";

let e2e: E2E;
let browser: Browser;
let origin: string;
/** Every http(s)/ws(s) URL any page of the tests asked for. */
const requested: string[] = [];

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  if (missingChromium) return;
  browser = await launchChromium();
  // A few seconds at the vendor, so the page shows the task processing before it succeeds.
  e2e = await startE2E({ port: 18910, simPort: 18911 }, { vars: { POLL_INTERVALS: "1s" }, simEnv: { SIM_DELAY_MS: "4000" } });
  origin = new URL(e2e.stack.gatewayUrl).origin;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

/** A fresh browser profile on one of the pages; `close` fails the test if the page had a script error or CSP violation. */
async function open(path: string, viewport = DESKTOP): Promise<{ page: Page; close(): Promise<void> }> {
  if (missingChromium) throw new Error(missingChromium);
  const context = await browser.newContext({ viewport });
  context.on("request", (request) => {
    if (/^(https?|wss?):/.test(request.url())) requested.push(request.url());
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (message) => {
    // A refused request shows as a failed resource in the console; a script error or a CSP violation must not happen.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(message.text());
  });
  const response = await page.goto(`${e2e.stack.gatewayUrl}${path}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-type"]).toBe("text/html; charset=utf-8");
  return {
    page,
    async close() {
      await context.close();
      expect(errors).toEqual([]);
    },
  };
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PAGES_SCREENSHOTS) await page.screenshot({ path: join(process.env.PAGES_SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Nothing is wider than the viewport (tables scroll inside their own box), and every field has a label. */
async function checkLayoutAndLabels(page: Page): Promise<void> {
  const { overflow, unlabelled } = await page.evaluate(() => {
    const doc = (globalThis as any).document;
    const fields = [...doc.querySelectorAll("input, select, textarea")].filter((el: any) => el.type !== "hidden");
    const width = (globalThis as any).innerWidth;
    return {
      // The elements sticking out, named, so a failure says where.
      overflow: [
        ...(doc.documentElement.scrollWidth > width ? [`the page is ${doc.documentElement.scrollWidth} px wide`] : []),
        ...[...doc.body.querySelectorAll("*")]
          .filter((el: any) => el.getBoundingClientRect().right > width + 0.5 && !el.parentElement.closest(".table-wrap"))
          .map((el: any) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`),
      ],
      unlabelled: fields.filter((el: any) => !el.labels?.length && !el.getAttribute("aria-label")).map((el: any) => el.outerHTML),
    };
  });
  expect(overflow).toEqual([]);
  expect(unlabelled).toEqual([]);
}

/** Plays the page's <video> (muted, as autoplay rules want) until it advances; its duration as the browser read it. */
async function playVideo(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const video = (globalThis as any).document.getElementById("video");
        const timer = setTimeout(() => reject(new Error(`no playback (readyState ${video.readyState})`)), 30_000);
        video.muted = true;
        video.addEventListener("timeupdate", () => {
          if (video.currentTime < 0.3) return;
          clearTimeout(timer);
          video.pause();
          resolve(video.duration);
        });
        video.addEventListener("error", () => reject(new Error(`video error ${video.error?.code}`)));
        video.play().catch(reject);
      }),
  );
}

describe("the playground", () => {
  it("takes a key from the keyboard, prices the form from the model, shows the gateway's errors by their field", async () => {
    const { page, close } = await open("/playground");
    try {
      await page.focus("#key");
      await page.keyboard.type(LOCAL_API_KEY);
      await page.keyboard.press("Enter");
      await page.locator("#account").getByText("Credits: unmetered").waitFor();
      expect(await page.evaluate(() => (globalThis as any).localStorage.getItem("video-gateway.api-key"))).toBe(LOCAL_API_KEY);
      await page.reload(); // remembered: the page fills itself in
      await page.locator("#account").getByText("Credits: unmetered").waitFor();

      // The model drives the form: its durations, sizes (resolution × aspect ratio) and price per second.
      await page.selectOption("#model", "kling-v1-6");
      expect(await page.locator("#duration option").allTextContents()).toEqual(["5 s", "10 s"]);
      await page.selectOption("#duration", "10");
      await page.selectOption("#size", "1920x1080");
      await expect.poll(() => page.textContent("#price")).toContain("Price: 980 credits (98/s × 10 s at 1080p)");
      await page.selectOption("#size", "720x1280");
      await expect.poll(() => page.textContent("#price")).toContain("Price: 280 credits (28/s × 10 s at 720p)");
      expect(await page.textContent("#available")).toBe("Your key is unmetered.");
      // A model without an image input hides the first frame; one that needs it says so.
      await page.selectOption("#model", "jimeng_t2v_v30");
      expect(await page.isVisible("#image-fields")).toBe(false);
      await page.selectOption("#model", "kling-v1-5");
      expect(await page.textContent("#image-need")).toBe("(required by this model)");

      // The gateway's own message, next to the field its param names.
      await page.selectOption("#model", "kling-v1");
      await page.fill("#prompt", "a cat");
      await page.fill("#image-url", "ftp://example.invalid/frame.png");
      await page.click("#submit");
      const imageError = page.locator("#image-fields + .field-error");
      await imageError.waitFor();
      expect(await imageError.textContent()).toMatch(/^image must be an http\(s\) URL.*\(invalid_value\)$/);
      expect(await page.getAttribute("#image-fields", "aria-invalid")).toBe("true");
      // A vendor's refusal has no field: it shows for the whole form, with the vendor's reason.
      await page.fill("#image-url", "");
      await page.fill("#prompt", "a forbidden scene [sim:refuse]");
      await page.click("#submit");
      await expect.poll(() => page.textContent("#generate .form-error")).toMatch(/Kling refused the content.*\(content_policy_violation\)/);
      await checkLayoutAndLabels(page);
    } finally {
      await close();
    }
  }, 90_000);

  it("submits, shows the task processing with elapsed time, then plays the video with the gateway's duration", async () => {
    const { page, close } = await open("/playground");
    try {
      let navigations = 0;
      page.on("framenavigated", (frame) => frame === page.mainFrame() && navigations++);
      const polls: string[] = [];
      page.on("request", (request) => /\/v1\/video\/generations\/vgt_\w+\?/.test(request.url()) && polls.push(request.url()));

      await page.fill("#key", LOCAL_API_KEY);
      await page.click("text=Use key");
      await page.locator("#account").getByText("Credits: unmetered").waitFor();
      await page.selectOption("#model", "kling-v1");
      await page.fill("#prompt", "an astronaut walking on the moon, cinematic");
      await page.selectOption("#duration", "5");
      await page.selectOption("#size", "1280x720");
      await expect.poll(() => page.textContent("#price")).toContain("490 credits");
      await page.click("#submit");

      await page.locator("#task progress").waitFor();
      await expect.poll(() => page.textContent("#task")).toMatch(/Status: processing · \d+ s elapsed/);
      const video = page.locator("#task video");
      await video.waitFor({ timeout: 60_000 });
      const taskId = /vgt_\w+/.exec((await page.textContent("#task .mono")) ?? "")![0];
      const task = (await e2e.api(`/v1/video/generations/${taskId}`)).body;
      expect(task.status).toBe("succeeded");
      expect(await video.getAttribute("src")).toBe(task.url);
      expect(await page.getAttribute("#task a[download]", "href")).toBe(task.url);

      const duration = await playVideo(page);
      expect(Math.abs(duration - task.metadata.duration)).toBeLessThanOrEqual(0.05);
      expect(await page.textContent("#task")).toContain(`${task.metadata.duration} s · 1280×720`);
      // Held by ?wait= (a handful of requests for a few seconds' work), and never a page reload.
      expect(polls.every((url) => url.includes("wait="))).toBe(true);
      expect(polls.length).toBeGreaterThanOrEqual(1);
      expect(polls.length).toBeLessThanOrEqual(4);
      expect(navigations).toBe(0);
      await page.locator("#recent").getByText(taskId).waitFor();
      await screenshot(page, "playground-desktop");
    } finally {
      await close();
    }
  }, 120_000);

  it("fits a phone: the recent task opens its video", async () => {
    const { page, close } = await open("/playground", PHONE);
    try {
      await page.fill("#key", LOCAL_API_KEY);
      await page.click("text=Use key");
      const recent = page.locator("#recent button").first();
      await recent.waitFor();
      await recent.click();
      await page.locator("#task video").waitFor();
      await playVideo(page);
      await checkLayoutAndLabels(page);
      await screenshot(page, "playground-phone");
    } finally {
      await close();
    }
  }, 60_000);
});

describe("the console", () => {
  it("creates a key (shown once) and lists it, tops it up, disables it, revokes another; shows usage, failures, accounts", async () => {
    const { page, close } = await open("/admin");
    try {
      page.on("dialog", (dialog) => void dialog.accept());
      await page.fill("#key", LOCAL_ADMIN_KEY);
      await page.click("text=Use key");
      await page.locator("#accounts").getByText("kling").first().waitFor();

      await page.fill("#label", "e2e-customer");
      await page.fill("#credits", "500");
      await page.click("text=Create key");
      const secret = (await page.locator("#new-key-value").textContent()) ?? "";
      expect(secret).toMatch(/^sk-[0-9a-f]{48}$/);
      const row = page.locator("#keys tr", { hasText: "e2e-customer" });
      await row.waitFor();
      expect(await row.textContent()).toContain("500 (reserved 0)");
      const listed = (await e2e.api("/v1/admin/keys", { key: LOCAL_ADMIN_KEY })).body.data;
      expect(listed).toEqual([expect.objectContaining({ label: "e2e-customer", credits: { balance: 500, reserved: 0 } })]);
      // The key the page showed works, with the credits it was given.
      expect((await e2e.api("/v1/account", { key: secret })).body).toMatchObject({ label: "e2e-customer", credits: { balance: 500 } });

      await row.locator("input[name=amount]").fill("250");
      await row.getByRole("button", { name: "Add" }).click();
      await expect.poll(() => row.textContent()).toContain("750 (reserved 0)");
      await row.getByRole("button", { name: "Disable" }).click();
      await expect.poll(() => row.textContent()).toContain("disabled");

      await page.fill("#label", "e2e-short-lived");
      await page.check("#unmetered");
      await page.click("text=Create key");
      const other = page.locator("#keys tr", { hasText: "e2e-short-lived" });
      await other.waitFor();
      expect(await other.textContent()).toContain("unmetered");
      await other.getByRole("button", { name: "Revoke" }).click();
      await expect.poll(() => other.count()).toBe(0);

      // The playground's tasks: usage by day with its chart, the refused request among the failures.
      await page.locator("#chart svg rect").first().waitFor();
      await page.selectOption("#group-by", "model");
      await page.locator("#usage").getByText("kling-v1", { exact: true }).waitFor();
      await page.locator("#failed").getByText("content_policy_violation").first().waitFor();
      await checkLayoutAndLabels(page);
      await screenshot(page, "admin-desktop");
    } finally {
      await close();
    }
  }, 90_000);

  it("fits a phone", async () => {
    const { page, close } = await open("/admin", PHONE);
    try {
      await page.fill("#key", LOCAL_ADMIN_KEY);
      await page.click("text=Use key");
      await page.locator("#keys tr", { hasText: "e2e-customer" }).waitFor();
      await page.locator("#chart svg").waitFor();
      await checkLayoutAndLabels(page);
      await screenshot(page, "admin-phone");
    } finally {
      await close();
    }
  }, 60_000);
});

describe("the network", () => {
  it("no request of either page left the gateway's origin", () => {
    if (missingChromium) throw new Error(missingChromium);
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    for (const asset of ["/playground", "/admin", "/web/common.js", "/web/playground.js", "/web/admin.js", "/web/style.css", "/v1/models", "/v1/admin/usage"]) {
      expect(requested.some((url) => new URL(url).pathname === asset)).toBe(true);
    }
  });
});
