import { Hono } from "hono";
import * as v from "valibot";
import { pricingOf } from "../keys/prices.ts";
import { offeredModels } from "../providers/registry.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";
import { documented } from "./route-docs.ts";

const strings = v.array(v.string());

/** One model of GET /v1/models (also its OpenAPI description). */
const ModelObject = v.object({
  id: v.string(),
  object: v.literal("model"),
  owned_by: v.string(),
  durations: v.array(v.number()),
  default_duration: v.number(),
  fps: v.number(),
  resolutions: strings,
  aspect_ratios: strings,
  inputs: strings,
  seed: v.boolean(),
  prompt_max: v.number(),
  metadata: v.pipe(v.record(v.string(), v.string()), v.description("The metadata fields the model takes, each with what it accepts.")),
  pricing: v.pipe(
    v.object({ unit: v.literal("credits"), per_second: v.record(v.string(), v.number()) }),
    v.description("Whole credits per second of video, by resolution (and `audio`, a surcharge where the vendor charges for sound)."),
  ),
});

const doc = documented({
  tag: "Models",
  summary: "List the models this gateway serves",
  ok: { description: "The models.", schema: v.object({ object: v.literal("list"), data: v.array(ModelObject) }) },
});

export const models = new Hono<AppEnv>().get("/", doc, requireApiKey, (c) =>
  c.json({
    object: "list",
    data: offeredModels(c.var.config).map(
      (m): v.InferOutput<typeof ModelObject> => ({
        id: m.id,
        object: "model",
        owned_by: m.vendor,
        durations: m.durations,
        default_duration: m.default_duration,
        fps: m.fps,
        resolutions: m.resolutions,
        aspect_ratios: m.aspect_ratios,
        inputs: m.inputs,
        seed: m.seed,
        prompt_max: m.prompt_max,
        metadata: m.metadata,
        pricing: pricingOf(c.var.config, m),
      }),
    ),
  }),
);
