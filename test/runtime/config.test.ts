import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { ConfigError, config } from "../../src/config.ts";
import type { Env } from "../../src/env.ts";
import { TEST_API_KEYS } from "../support/test-env.ts";

const parse = (vars: Partial<Record<keyof Env, string>>) => config(vars as unknown as Env);

describe("configuration", () => {
  it("gives every variable its default", () => {
    const cfg = parse({});
    expect(cfg).toMatchObject({
      apiKeys: [],
      publicBaseUrl: null,
      pollIntervalsMs: [2_000, 5_000, 10_000, 30_000],
      taskDeadlineMs: 2 * 3_600_000,
      watchdogAfterMs: 10_000,
      videoRetentionS: 30 * 86_400,
      rateLimitPerMinute: 1000,
      maxConcurrentTasks: 500,
    });
    expect(cfg.vendors.kling).toEqual({ baseUrl: "https://api-singapore.klingai.com", accounts: [] });
    expect(cfg.vendors.vidu.baseUrl).toBe("https://api.vidu.com");
    expect(cfg.vendors.jimeng.baseUrl).toBe("https://visual.volcengineapi.com");
  });

  it("reads what is set: empty means unset, base URLs lose trailing slashes", () => {
    const cfg = parse({ POLL_INTERVALS: "1s, 90s", WATCHDOG_AFTER: "1m", VIDU_API_KEY: "k", VIDU_BASE_URL: "http://127.0.0.1:9/", TASK_DEADLINE: "" });
    expect(cfg.pollIntervalsMs).toEqual([1_000, 90_000]);
    expect(cfg.watchdogAfterMs).toBe(60_000);
    expect(cfg.taskDeadlineMs).toBe(2 * 3_600_000);
    expect(cfg.vendors.vidu).toEqual({ baseUrl: "http://127.0.0.1:9", accounts: [{ name: "default", credentials: { apiKey: "k" } }] });
  });

  it.each([
    [{ POLL_INTERVALS: "2s,soon" }, "POLL_INTERVALS"],
    [{ TASK_DEADLINE: "2 hours" }, "TASK_DEADLINE"],
    [{ WATCHDOG_AFTER: "-1m" }, "WATCHDOG_AFTER"],
    [{ VIDEO_RETENTION: "forever" }, "VIDEO_RETENTION"],
    [{ RATE_LIMIT_PER_MINUTE: "lots" }, "RATE_LIMIT_PER_MINUTE"],
    [{ MAX_CONCURRENT_TASKS: "1.5" }, "MAX_CONCURRENT_TASKS"],
    [{ KLING_BASE_URL: "api.klingai.com" }, "KLING_BASE_URL"],
    [{ PUBLIC_BASE_URL: "video.example.com" }, "PUBLIC_BASE_URL"],
    [{ API_KEYS: "local:not-a-digest" }, "API_KEYS"],
    [{ KLING_ACCESS_KEY: "ak" }, "KLING_SECRET_KEY"],
    [{ VOLC_SECRET_ACCESS_KEY: "sk" }, "VOLC_ACCESS_KEY_ID"],
  ])("refuses %o, naming %s", (vars, name) => {
    expect(() => parse(vars)).toThrow(ConfigError);
    expect(() => parse(vars)).toThrow(name);
  });

  it("fails the first request loudly, naming the variable, instead of deep inside a task", async () => {
    const bad = { ...env, POLL_INTERVALS: "every now and then" };
    const response = await app.request("/v1/models", { headers: { authorization: `Bearer ${TEST_API_KEYS.alpha}` } }, bad);
    expect(response.status).toBe(500);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ code: "server_misconfigured", type: "server_error" });
    expect(body.message).toContain("POLL_INTERVALS");
  });
});
