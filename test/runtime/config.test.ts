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

  it("reads *_ACCOUNTS as named accounts, and the single-account variables as one account named default", () => {
    const kling = [
      { name: "main", access_key: "ak1", secret_key: "sk1" },
      { name: "spare", access_key: "ak2", secret_key: "sk2" },
    ];
    const cfg = parse({
      KLING_ACCOUNTS: JSON.stringify(kling),
      VIDU_ACCOUNTS: '[{"name":"v1","api_key":"k1"}]',
      VOLC_ACCOUNTS: '[{"name":"cn","access_key_id":"AK","secret_access_key":"SK"}]',
      ARK_API_KEY: "ark",
      ADMIN_API_KEYS: `ops:${"a".repeat(64)}`,
      ACCOUNT_COOLDOWN: "30s",
    });
    expect(cfg.vendors.kling.accounts).toEqual([
      { name: "main", credentials: { accessKey: "ak1", secretKey: "sk1" } },
      { name: "spare", credentials: { accessKey: "ak2", secretKey: "sk2" } },
    ]);
    expect(cfg.vendors.vidu.accounts).toEqual([{ name: "v1", credentials: { apiKey: "k1" } }]);
    expect(cfg.vendors.jimeng.accounts).toEqual([{ name: "cn", credentials: { accessKeyId: "AK", secretAccessKey: "SK" } }]);
    expect(cfg.vendors.ark.accounts).toEqual([{ name: "default", credentials: { apiKey: "ark" } }]);
    expect(cfg.adminApiKeys).toEqual([{ label: "ops", digest: "a".repeat(64) }]);
    expect(cfg.accountCooldownMs).toBe(30_000);
    expect(parse({}).accountCooldownMs).toBe(600_000);
  });

  it.each([
    [{ KLING_ACCOUNTS: '[{"name":"a","access_key":"secret-ak"' }, "KLING_ACCOUNTS is not valid JSON"],
    [{ VIDU_ACCOUNTS: '{"name":"a","api_key":"k"}' }, "VIDU_ACCOUNTS must be a JSON array of accounts"],
    [{ VIDU_ACCOUNTS: "[]" }, "VIDU_ACCOUNTS must list at least one account"],
    [{ KLING_ACCOUNTS: '[{"name":"a","access_key":"ak"}]' }, 'KLING_ACCOUNTS is missing (entry 1, field "secret_key")'],
    [{ ARK_ACCOUNTS: '[{"name":"a","api_key":"k"},{"name":"b","api_key":""}]' }, 'ARK_ACCOUNTS must not be empty (entry 2, field "api_key")'],
    [{ ARK_ACCOUNTS: '[{"name":"a","apikey":"k"}]' }, "ARK_ACCOUNTS"],
    [{ VOLC_ACCOUNTS: '[{"name":"a b","access_key_id":"x","secret_access_key":"y"}]' }, "VOLC_ACCOUNTS must be 1 to 64 letters, digits"],
    [{ VIDU_ACCOUNTS: '[{"name":"a","api_key":"k","region":"cn"}]' }, 'VIDU_ACCOUNTS is not a field of an account (entry 1, field "region")'],
    [{ VIDU_ACCOUNTS: '[{"name":"a","api_key":"k1"},{"name":"a","api_key":"k2"}]' }, 'VIDU_ACCOUNTS names account "a" twice'],
    [{ VIDU_ACCOUNTS: '[{"name":"a","api_key":"k"}]', VIDU_API_KEY: "k" }, "VIDU_ACCOUNTS and VIDU_API_KEY are both set"],
    [{ ADMIN_API_KEYS: "ops:nothex" }, "ADMIN_API_KEYS"],
    [{ ACCOUNT_COOLDOWN: "a while" }, "ACCOUNT_COOLDOWN"],
  ])("refuses %o with a message naming the variable", (vars, message) => {
    expect(() => parse(vars)).toThrow(ConfigError);
    expect(() => parse(vars)).toThrow(message);
  });

  it("never quotes a secret of *_ACCOUNTS in its error", () => {
    for (const text of [
      '[{"name":"a","access_key":"AKSECRET1","secret_key":"SKSECRET1"',
      '[{"name":"a b","access_key":"AKSECRET1","secret_key":"SKSECRET1"}]',
    ]) {
      let message = "";
      try {
        parse({ KLING_ACCOUNTS: text });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain("KLING_ACCOUNTS");
      expect(message).not.toMatch(/SECRET1/);
    }
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
