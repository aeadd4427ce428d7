// A real browser plays the gateway's signed video URL: Debian's Chromium (headless, driven by playwright-core)
// loads a page whose <video> points at a succeeded task's `url`, plays it, and reports the duration; every Range
// request the browser makes on its own must get the 206 it asked for, with the right bytes.
// Needs /usr/bin/chromium: `node_modules/.bin/node scripts/ensure-chromium.ts` installs it (as root).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_VIDEO } from "../../simulator/assets/sample-info.ts";
import { launchChromium, missingChromium } from "./chromium.ts";
import { type E2E, type Json, startE2E } from "./stack.ts";

let e2e: E2E;
let browser: Browser;
let pages: Server;
let pagesUrl: string;
/** The <video> of the page at /?src=… plays this URL. */
const VIDEO_PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>player</title></head>
<body><video id="v" muted autoplay playsinline preload="auto" width="640" height="360"></video>
<script>document.getElementById("v").src = new URLSearchParams(location.search).get("src");</script></body></html>`;

beforeAll(async () => {
  if (missingChromium) return;
  browser = await launchChromium();
  pages = createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(VIDEO_PAGE);
  });
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  e2e = await startE2E({ port: 18841, simPort: 18842 }, { vars: { POLL_INTERVALS: "1s" }, simEnv: { SIM_DELAY_MS: "500" } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  await e2e?.close();
});

/** Creates a task, lets the simulator serve it with `files` options, and returns the succeeded task and its source. */
async function succeededTask(files: Json = {}): Promise<{ task: Json; source: string }> {
  if (missingChromium) throw new Error(missingChromium);
  await e2e.sim("/__sim/config", { method: "PUT", json: files });
  try {
    const created = await e2e.api("/v1/video/generations", { method: "POST", json: { model: "kling-v1", prompt: "a browser test" } });
    expect(created.status).toBe(200);
    const task = await e2e.waitForStatus(created.body.task_id, 90_000);
    expect(task).toMatchObject({ status: "succeeded", url: expect.stringContaining("signature=") });
    const simTask = (await e2e.sim<{ tasks: Json[] }>("/__sim/tasks")).tasks.find((t) => t.externalId === task.task_id)!;
    await e2e.sim(`/__sim/tasks/${simTask.id}/files`, { method: "PUT", json: files }); // outlives the config reset below
    return { task, source: `${e2e.stack.simUrl}/files/kling/${simTask.id}.mp4` };
  } finally {
    await e2e.sim("/__sim/config", { method: "PUT", json: { video: "normal", sizeBytes: null } });
  }
}

interface Seen {
  status: number;
  range: string | undefined;
  contentRange: string | undefined;
  contentLength: string | undefined;
}

/** Opens the player page on `url`, plays until timeupdate shows progress, and records the video responses. */
async function play(url: string): Promise<{ duration: number; currentTime: number; width: number; height: number; seen: Seen[] }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const pending: Promise<Seen>[] = [];
    const path = new URL(url).pathname;
    page.on("response", (response) => {
      if (new URL(response.url()).pathname !== path) return;
      pending.push(
        (async () => {
          const [request, headers] = await Promise.all([response.request().allHeaders(), response.allHeaders()]);
          return { status: response.status(), range: request.range, contentRange: headers["content-range"], contentLength: headers["content-length"] };
        })(),
      );
    });
    await page.goto(`${pagesUrl}/?src=${encodeURIComponent(url)}`);
    const played = await page.evaluate(
      () =>
        new Promise<{ duration: number; currentTime: number; width: number; height: number }>((resolve, reject) => {
          // Runs in the page; the Node-typed test has no DOM types, so the element gets a minimal shape.
          type Video = EventTarget & {
            error: { code: number; message: string } | null;
            readyState: number;
            currentTime: number;
            duration: number;
            videoWidth: number;
            videoHeight: number;
            play(): Promise<void>;
          };
          const video = (globalThis as unknown as { document: { getElementById(id: string): Video } }).document.getElementById("v");
          const fail = () => reject(new Error(`video error ${video.error?.code}: ${video.error?.message}`));
          const timer = setTimeout(() => reject(new Error(`no playback progress (readyState ${video.readyState}, currentTime ${video.currentTime})`)), 30_000);
          video.addEventListener("error", fail);
          video.addEventListener("loadedmetadata", () => void video.play().catch(fail));
          video.addEventListener("timeupdate", () => {
            if (video.currentTime < 0.5) return;
            clearTimeout(timer);
            resolve({ duration: video.duration, currentTime: video.currentTime, width: video.videoWidth, height: video.videoHeight });
          });
          if (video.error) fail();
        }),
    );
    return { ...played, seen: await Promise.all(pending) };
  } finally {
    await context.close();
  }
}

/** Every ranged request got a 206 whose Content-Range and Content-Length are exactly the range asked for. */
function checkRanges(seen: Seen[], size: number): Array<[number, number]> {
  const served: Array<[number, number]> = [];
  for (const s of seen) {
    if (!s.range) {
      expect(s.status).toBe(200);
      continue;
    }
    const asked = /^bytes=(\d+)-(\d*)$/.exec(s.range);
    expect(asked, `browser asked for ${s.range}`).not.toBeNull();
    const first = Number(asked![1]);
    const last = asked![2] === "" ? size - 1 : Math.min(Number(asked![2]), size - 1);
    expect(s).toMatchObject({ status: 206, contentRange: `bytes ${first}-${last}/${size}`, contentLength: String(last - first + 1) });
    served.push([first, last]);
  }
  return served;
}

/** The gateway's bytes for each range equal the vendor's original bytes. */
async function checkBytes(url: string, source: string, ranges: Array<[number, number]>): Promise<void> {
  for (const [first, last] of ranges) {
    const headers = { range: `bytes=${first}-${Math.min(last, first + 4 * 2 ** 20 - 1)}` };
    const [ours, theirs] = await Promise.all([fetch(url, { headers }), fetch(source, { headers })]);
    expect(ours.status).toBe(206);
    expect(Buffer.from(await ours.arrayBuffer()).equals(Buffer.from(await theirs.arrayBuffer()))).toBe(true);
  }
}

describe("a real browser plays the signed url", () => {
  it("plays the sample and reports the duration the gateway reported, over the browser's own Range requests", async () => {
    const { task, source } = await succeededTask();
    expect(task.metadata).toMatchObject(SAMPLE_VIDEO.ffprobe);
    const played = await play(task.url);
    expect(Math.abs(played.duration - task.metadata.duration)).toBeLessThanOrEqual(0.05);
    expect([played.width, played.height]).toEqual([task.metadata.width, task.metadata.height]);
    const ranges = checkRanges(played.seen, SAMPLE_VIDEO.bytes);
    expect(ranges.length).toBeGreaterThanOrEqual(1); // Chromium always asks media for ranges
    await checkBytes(task.url, source, ranges);
  }, 120_000);

  it("plays a 48 MiB moov-at-end video: the browser seeks to the moov at the end with a Range request", async () => {
    const size = 48 * 2 ** 20;
    const { task, source } = await succeededTask({ sizeBytes: size, video: "moov-at-end" });
    expect(task.metadata).toMatchObject(SAMPLE_VIDEO.ffprobe);
    const played = await play(task.url);
    expect(Math.abs(played.duration - task.metadata.duration)).toBeLessThanOrEqual(0.05);
    const ranges = checkRanges(played.seen, size);
    // One request from the start, another for the moov in the last 2246 bytes (how else would it know the duration).
    expect(ranges.length).toBeGreaterThanOrEqual(2);
    expect(ranges.some(([first]) => first > size - 2246 - 1024 * 1024)).toBe(true);
    await checkBytes(task.url, source, ranges);
  }, 180_000);
});
