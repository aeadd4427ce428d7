import * as v from "valibot";
import type { Env } from "./env.ts";
import { parseDuration, parseDurations } from "./lib/duration.ts";

/**
 * Every variable the gateway reads, parsed and checked once per set of bindings, with its default. A bad value
 * throws a ConfigError naming the variable at the first request (or alarm, or workflow step) that needs the
 * configuration, never as a confusing failure deep inside one.
 */

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const DEFAULTS = {
  KLING_BASE_URL: "https://api-singapore.klingai.com",
  VIDU_BASE_URL: "https://api.vidu.com",
  JIMENG_BASE_URL: "https://visual.volcengineapi.com",
  // Ark's paths (/api/v3/…) are the provider's: the base URL is the host alone, as API.md §2 gives it.
  ARK_BASE_URL: "https://ark.cn-beijing.volces.com",
  POLL_INTERVALS: "2s,5s,10s,30s",
  TASK_DEADLINE: "2h",
  RATE_LIMIT_PER_MINUTE: "1000",
  MAX_CONCURRENT_TASKS: "500",
  WATCHDOG_AFTER: "10s",
  VIDEO_RETENTION: "30d",
  ACCOUNT_COOLDOWN: "10m",
} as const;

/** An unset or empty variable takes its default. */
const orDefault = (name: keyof typeof DEFAULTS) =>
  v.pipe(
    v.optional(v.string(), DEFAULTS[name]),
    v.transform((text) => (text.trim() === "" ? DEFAULTS[name] : text)),
  );

/** An empty variable counts as unset: `.dev.vars.example` lists secrets as "". */
const secret = v.pipe(
  v.optional(v.string(), ""),
  v.transform((text) => text.trim() || null),
);

/** A variable read by `parse` (which throws saying what is wrong), its message becoming the variable's issue. */
const parsedBy = <T>(name: keyof typeof DEFAULTS, parse: (text: string) => T) =>
  v.pipe(
    orDefault(name),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return parse(dataset.value);
      } catch (err) {
        addIssue({ message: (err as Error).message });
        return NEVER;
      }
    }),
  );

const duration = (name: keyof typeof DEFAULTS) => parsedBy(name, parseDuration);

const count = (name: keyof typeof DEFAULTS) =>
  v.pipe(orDefault(name), v.regex(/^\s*\d{1,9}\s*$/, "must be a whole number (0 means no limit)"), v.transform(Number));

const baseUrl = (name: keyof typeof DEFAULTS) =>
  v.pipe(
    orDefault(name),
    v.url("must be an absolute URL like https://api.example.com"),
    v.transform((url) => url.replace(/\/+$/, "")),
  );

/** `label:sha256hex,…`: the digests of the keys, never the keys. */
const keyList = v.pipe(
  v.optional(v.string(), ""),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const entries = dataset.value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    const keys = [];
    for (const entry of entries) {
      const at = entry.lastIndexOf(":");
      const digest = entry
        .slice(at + 1)
        .trim()
        .toLowerCase();
      if (at <= 0 || !/^[0-9a-f]{64}$/.test(digest)) {
        addIssue({ message: `entry "${entry.slice(0, 40)}" is not label:sha256hex (the hex SHA-256 of the key)` });
        return NEVER;
      }
      keys.push({ label: entry.slice(0, at).trim(), digest });
    }
    return keys;
  }),
);

/** An account's name: shown to the operator (GET /v1/admin/accounts) and recorded on each task it accepts. */
const ACCOUNT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * One `*_ACCOUNTS` variable: a JSON array of `{name, <secret fields>}`. Messages name the entry and the field, never a
 * value: the variable holds secrets (so neither is JSON.parse's message, which quotes the text, passed on).
 */
const accountList = <F extends string>(fields: readonly F[]) => {
  const secretField = v.pipe(v.string("must be a string"), v.trim(), v.minLength(1, "must not be empty"));
  const entry = v.strictObject(
    {
      name: v.pipe(v.string("must be a string"), v.regex(ACCOUNT_NAME, "must be 1 to 64 letters, digits, '.', '_' or '-'")),
      ...(Object.fromEntries(fields.map((f) => [f, secretField])) as Record<F, typeof secretField>),
    },
    (issue) =>
      issue.expected === "never"
        ? "is not a field of an account"
        : issue.expected?.startsWith('"')
          ? "is missing"
          : `must be an object {"name", ${fields.map((f) => `"${f}"`).join(", ")}}`,
  );
  const list = v.pipe(v.array(entry, "must be a JSON array of accounts"), v.minLength(1, "must list at least one account"));
  return v.pipe(
    secret,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      if (dataset.value === null) return null;
      let json: unknown;
      try {
        json = JSON.parse(dataset.value);
      } catch {
        addIssue({ message: "is not valid JSON" });
        return NEVER;
      }
      const parsed = v.safeParse(list, json, { abortEarly: true });
      if (!parsed.success) {
        const issue = parsed.issues[0];
        const [index, key] = (issue.path ?? []).map((item) => item.key);
        const where = index === undefined ? "" : ` (entry ${Number(index) + 1}${key === undefined ? "" : `, field "${String(key)}"`})`;
        addIssue({ message: `${issue.message}${where}` });
        return NEVER;
      }
      const names = parsed.output.map((account) => account.name);
      const twice = names.find((name, i) => names.indexOf(name) !== i);
      if (twice !== undefined) {
        addIssue({ message: `names account "${twice}" twice; names must be unique` });
        return NEVER;
      }
      return parsed.output;
    }),
  );
};
/** Credits per second: a whole number of credits, never negative. */
const PerSecondPrice = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * `{"<model id>": {"720p": 10, "audio": 5}, …}`: the operator's prices, laid over the shipped table per model and
 * per key. Shape here; that each model and resolution exists is checked against the model tables (src/keys/prices.ts).
 */
const prices = v.pipe(
  v.optional(v.string(), ""),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const text = dataset.value.trim();
    if (text === "") return {};
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      addIssue({ message: `is not valid JSON (${(err as Error).message})` });
      return NEVER;
    }
    const parsed = v.safeParse(v.record(v.string(), v.record(v.pipe(v.string(), v.regex(/^(\d+p|4k|audio)$/)), PerSecondPrice)), json);
    if (!parsed.success) {
      addIssue({
        message:
          'must be a JSON object like {"kling-v1": {"720p": 10, "1080p": 20, "audio": 5}}: model ids to credits per second (whole numbers ≥ 0) per resolution, or "audio"',
      });
      return NEVER;
    }
    return parsed.output;
  }),
);

const EnvSchema = v.object({
  API_KEYS: keyList,
  ADMIN_API_KEYS: keyList,
  PRICES: prices,
  PUBLIC_BASE_URL: v.pipe(
    secret,
    v.check((url) => url === null || URL.canParse(url), "must be an absolute URL like https://video.example.com"),
  ),
  URL_SIGNING_SECRET: secret,
  WEBHOOK_SECRET: secret,
  POLL_INTERVALS: parsedBy("POLL_INTERVALS", parseDurations),
  TASK_DEADLINE: duration("TASK_DEADLINE"),
  WATCHDOG_AFTER: duration("WATCHDOG_AFTER"),
  VIDEO_RETENTION: duration("VIDEO_RETENTION"),
  ACCOUNT_COOLDOWN: duration("ACCOUNT_COOLDOWN"),
  RATE_LIMIT_PER_MINUTE: count("RATE_LIMIT_PER_MINUTE"),
  MAX_CONCURRENT_TASKS: count("MAX_CONCURRENT_TASKS"),
  KLING_BASE_URL: baseUrl("KLING_BASE_URL"),
  KLING_ACCESS_KEY: secret,
  KLING_SECRET_KEY: secret,
  VIDU_BASE_URL: baseUrl("VIDU_BASE_URL"),
  VIDU_API_KEY: secret,
  JIMENG_BASE_URL: baseUrl("JIMENG_BASE_URL"),
  VOLC_ACCESS_KEY_ID: secret,
  VOLC_SECRET_ACCESS_KEY: secret,
  ARK_BASE_URL: baseUrl("ARK_BASE_URL"),
  ARK_API_KEY: secret,
  KLING_ACCOUNTS: accountList(["access_key", "secret_key"]),
  VIDU_ACCOUNTS: accountList(["api_key"]),
  VOLC_ACCOUNTS: accountList(["access_key_id", "secret_access_key"]),
  ARK_ACCOUNTS: accountList(["api_key"]),
});

interface KlingCredentials {
  accessKey: string;
  secretKey: string;
}
export interface ViduCredentials {
  apiKey: string;
}
/** Ark takes its API key as a bearer token (API key authentication only, for video generation). */
interface ArkCredentials {
  apiKey: string;
}
interface VolcCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** One vendor account: a credential set with a name (the single-account variables make one named `default`). */
interface VendorAccount<C> {
  name: string;
  credentials: C;
}

/** A vendor as this deployment reaches it: where, and with which accounts (none: not offered). */
interface VendorConfig<C> {
  baseUrl: string;
  accounts: VendorAccount<C>[];
}

/** The account the single-account variables (KLING_ACCESS_KEY, VIDU_API_KEY, …) make. */
const DEFAULT_ACCOUNT = "default";

export interface Config {
  apiKeys: { label: string; digest: string }[];
  /** ADMIN_API_KEYS: the keys of the operator's routes (/v1/admin/…), same format as apiKeys. */
  adminApiKeys: { label: string; digest: string }[];
  /** The operator's price overrides (PRICES), by model then resolution (or "audio"): credits per second. */
  prices: Record<string, Record<string, number>>;
  /** Where vendors and users reach the gateway; null: each request's own origin. */
  publicBaseUrl: string | null;
  urlSigningSecret: string | null;
  webhookSecret: string | null;
  pollIntervalsMs: number[];
  taskDeadlineMs: number;
  /** How long past its due report a silent workflow is restarted. */
  watchdogAfterMs: number;
  videoRetentionS: number;
  rateLimitPerMinute: number;
  maxConcurrentTasks: number;
  /** How long an account refused for credit or authentication is left out while another account can take tasks. */
  accountCooldownMs: number;
  vendors: {
    kling: VendorConfig<KlingCredentials>;
    vidu: VendorConfig<ViduCredentials>;
    jimeng: VendorConfig<VolcCredentials>;
    ark: VendorConfig<ArkCredentials>;
  };
}

/** Both halves of a credential pair, or neither. */
function pair<C>(names: [string, string], a: string | null, b: string | null, make: (a: string, b: string) => C): C | null {
  if (a && b) return make(a, b);
  if (a || b) throw new ConfigError(`${a ? names[1] : names[0]} is not set but ${a ? names[0] : names[1]} is: set both, or neither.`);
  return null;
}

/**
 * A vendor's accounts: the `*_ACCOUNTS` list, or the single-account variables as one account named `default`. Both at
 * once is refused: which of them the operator meant cannot be told.
 */
function accounts<C>(variables: [string, string], list: VendorAccount<C>[] | undefined | null, single: C | null): VendorAccount<C>[] {
  if (list && single) throw new ConfigError(`The gateway is misconfigured: ${variables[0]} and ${variables[1]} are both set: set one or the other.`);
  if (list) return list;
  return single ? [{ name: DEFAULT_ACCOUNT, credentials: single }] : [];
}

function build(env: Env): Config {
  const parsed = v.safeParse(EnvSchema, env, { abortEarly: true });
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const name = issue.path?.[0]?.key;
    throw new ConfigError(`The gateway is misconfigured: ${String(name)} ${issue.message}.`);
  }
  const e = parsed.output;
  return {
    apiKeys: e.API_KEYS,
    adminApiKeys: e.ADMIN_API_KEYS,
    prices: e.PRICES,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, "") ?? null,
    urlSigningSecret: e.URL_SIGNING_SECRET,
    webhookSecret: e.WEBHOOK_SECRET,
    pollIntervalsMs: e.POLL_INTERVALS,
    taskDeadlineMs: e.TASK_DEADLINE,
    watchdogAfterMs: e.WATCHDOG_AFTER,
    videoRetentionS: Math.floor(e.VIDEO_RETENTION / 1000),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxConcurrentTasks: e.MAX_CONCURRENT_TASKS,
    accountCooldownMs: e.ACCOUNT_COOLDOWN,
    vendors: {
      kling: {
        baseUrl: e.KLING_BASE_URL,
        accounts: accounts(
          ["KLING_ACCOUNTS", "KLING_ACCESS_KEY"],
          e.KLING_ACCOUNTS?.map((a) => ({ name: a.name, credentials: { accessKey: a.access_key, secretKey: a.secret_key } })),
          pair(["KLING_ACCESS_KEY", "KLING_SECRET_KEY"], e.KLING_ACCESS_KEY, e.KLING_SECRET_KEY, (accessKey, secretKey) => ({ accessKey, secretKey })),
        ),
      },
      vidu: {
        baseUrl: e.VIDU_BASE_URL,
        accounts: accounts(
          ["VIDU_ACCOUNTS", "VIDU_API_KEY"],
          e.VIDU_ACCOUNTS?.map((a) => ({ name: a.name, credentials: { apiKey: a.api_key } })),
          e.VIDU_API_KEY ? { apiKey: e.VIDU_API_KEY } : null,
        ),
      },
      jimeng: {
        baseUrl: e.JIMENG_BASE_URL,
        accounts: accounts(
          ["VOLC_ACCOUNTS", "VOLC_ACCESS_KEY_ID"],
          e.VOLC_ACCOUNTS?.map((a) => ({ name: a.name, credentials: { accessKeyId: a.access_key_id, secretAccessKey: a.secret_access_key } })),
          pair(["VOLC_ACCESS_KEY_ID", "VOLC_SECRET_ACCESS_KEY"], e.VOLC_ACCESS_KEY_ID, e.VOLC_SECRET_ACCESS_KEY, (accessKeyId, secretAccessKey) => ({
            accessKeyId,
            secretAccessKey,
          })),
        ),
      },
      ark: {
        baseUrl: e.ARK_BASE_URL,
        accounts: accounts(
          ["ARK_ACCOUNTS", "ARK_API_KEY"],
          e.ARK_ACCOUNTS?.map((a) => ({ name: a.name, credentials: { apiKey: a.api_key } })),
          e.ARK_API_KEY ? { apiKey: e.ARK_API_KEY } : null,
        ),
      },
    },
  };
}

// One parse per bindings object: the runtime hands every request of an isolate the same `env`.
const parsedConfigs = new WeakMap<Env, Config>();

export function config(env: Env): Config {
  let parsed = parsedConfigs.get(env);
  if (!parsed) {
    parsed = build(env);
    parsedConfigs.set(env, parsed);
  }
  return parsed;
}

/** The secret that signs video URLs and callback tokens: required as soon as one is made. */
export function signingSecret(cfg: Config): string {
  if (!cfg.urlSigningSecret) throw new ConfigError("The gateway is misconfigured: URL_SIGNING_SECRET is not set.");
  return cfg.urlSigningSecret;
}
