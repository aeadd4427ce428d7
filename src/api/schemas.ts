import * as v from "valibot";

const int = (name: string, min: number, max: number) =>
  v.pipe(
    v.number(`${name} must be a number`),
    v.integer(`${name} must be an integer`),
    v.minValue(min, `${name} must be at least ${min}`),
    v.maxValue(max, `${name} must be at most ${max}`),
  );

/** The unified request body (API.md §4); unknown top-level fields are refused by name. */
export const GenerationBody = v.strictObject({
  model: v.pipe(v.string("model must be a string: one of the ids of GET /v1/models"), v.nonEmpty("model must not be empty")),
  prompt: v.optional(v.string("prompt must be a string")),
  duration: v.optional(
    v.pipe(v.number("duration must be a number of seconds"), v.finite("duration must be finite"), v.gtValue(0, "duration must be positive")),
  ),
  fps: v.optional(int("fps", 1, 240)),
  width: v.optional(int("width", 16, 8192)),
  height: v.optional(int("height", 16, 8192)),
  size: v.optional(
    v.pipe(
      v.string("size must be a string like 1920x1080"),
      v.regex(/^\d{2,5}x\d{2,5}$/, "size must look like 1920x1080 (WIDTHxHEIGHT)"),
      // The same bounds as width and height.
      v.check((size) => size.split("x").every((n) => Number(n) >= 16 && Number(n) <= 8192), "size's width and height must each be from 16 to 8192"),
    ),
  ),
  image: v.optional(
    v.pipe(v.string("image must be a string: an http(s) URL, a data URI or raw base64"), v.nonEmpty("image must not be empty; leave it out for text-to-video")),
  ),
  metadata: v.optional(
    v.pipe(
      v.unknown(),
      // valibot's record takes an array too (as {"0": …}), whose indexes would reach the vendor as field names.
      v.check((value) => typeof value === "object" && value !== null && !Array.isArray(value), "metadata must be a JSON object"),
      v.record(v.string(), v.unknown()),
    ),
  ),
  n: v.optional(int("n", 1, 1)),
  response_format: v.optional(v.picklist(["url"], 'response_format must be "url"')),
  seed: v.optional(int("seed", -1, Number.MAX_SAFE_INTEGER)),
  user: v.optional(v.pipe(v.string("user must be a string"), v.maxLength(256, "user must be at most 256 characters"))),
});

export const GENERATION_FIELDS = Object.keys(GenerationBody.entries);

const label = v.pipe(
  v.string("label must be a string"),
  v.trim(),
  v.minLength(1, "label must not be empty"),
  v.maxLength(100, "label must be at most 100 characters"),
);
/** null: the deployment's default (RATE_LIMIT_PER_MINUTE, MAX_CONCURRENT_TASKS). */
const limit = (name: string) => v.nullable(int(name, 0, 1_000_000));
const models = v.nullable(
  v.pipe(
    v.array(
      v.pipe(v.string("models must hold model ids (strings)"), v.nonEmpty("models must not hold an empty id")),
      "models must be a list of model ids, or null for all",
    ),
    v.minLength(1, "models must name at least one model (null allows all)"),
  ),
);
const expiresAt = v.nullable(int("expires_at", 0, 253_402_300_799));

/** POST /v1/admin/keys (API.md §8): all optional but label. */
export const CreateKeyBody = v.strictObject({
  label,
  credits: v.optional(v.nullable(int("credits", 0, Number.MAX_SAFE_INTEGER)), 0),
  rate_limit_per_minute: v.optional(limit("rate_limit_per_minute"), null),
  max_concurrent_tasks: v.optional(limit("max_concurrent_tasks"), null),
  models: v.optional(models, null),
  expires_at: v.optional(expiresAt, null),
});

/** PATCH /v1/admin/keys/{id}: only what is given changes. */
export const UpdateKeyBody = v.strictObject({
  label: v.optional(label),
  rate_limit_per_minute: v.optional(limit("rate_limit_per_minute")),
  max_concurrent_tasks: v.optional(limit("max_concurrent_tasks")),
  models: v.optional(models),
  expires_at: v.optional(expiresAt),
  disabled: v.optional(v.boolean("disabled must be true or false")),
});

/** POST /v1/admin/keys/{id}/credits: a top-up, or a debit when negative. */
export const CreditBody = v.strictObject({
  amount: v.pipe(
    int("amount", -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    v.check((n) => n !== 0, "amount must not be 0"),
  ),
  note: v.optional(v.nullable(v.pipe(v.string("note must be a string"), v.maxLength(500, "note must be at most 500 characters"))), null),
});

const unixSeconds = (name: string) =>
  v.optional(v.pipe(v.string(), v.regex(/^\d{1,12}$/, `${name} must be Unix seconds (a whole number)`), v.transform(Number)));

/** The query of GET /v1/usage and GET /v1/admin/usage (`key_id` on the admin one only). */
export const UsageQuery = v.strictObject({
  from: unixSeconds("from"),
  to: unixSeconds("to"),
  group_by: v.optional(v.picklist(["day", "model", "key"], "group_by must be day, model or key"), "day"),
});
export const AdminUsageQuery = v.strictObject({ ...UsageQuery.entries, key_id: v.optional(v.pipe(v.string(), v.nonEmpty("key_id must not be empty"))) });

/**
 * OpenAI's create-video body (API.md §9), as JSON or as the fields of the SDK's multipart form (where every value is
 * text, hence `seconds` as a string); unknown fields are refused by name.
 */
export const VideoCreateBody = v.strictObject({
  model: GenerationBody.entries.model,
  prompt: GenerationBody.entries.prompt,
  seconds: v.optional(
    v.union(
      [
        v.pipe(v.number(), v.finite(), v.gtValue(0)),
        v.pipe(
          v.string(),
          v.regex(/^\d{1,4}(\.\d{1,3})?$/),
          v.transform((text) => Number(text)),
        ),
      ],
      'seconds must be a positive number of seconds, e.g. 5 or "5"',
    ),
  ),
  size: GenerationBody.entries.size,
  input_reference: v.optional(
    v.union(
      [v.strictObject({ image_url: v.pipe(v.string(), v.nonEmpty()) }), v.file()],
      'input_reference must be an image file part, or {"image_url": "an http(s) URL or data URI"}',
    ),
  ),
});

export const VIDEO_CREATE_FIELDS = Object.keys(VideoCreateBody.entries);
