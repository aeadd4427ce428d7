import { Hono } from "hono";
import { pricingOf } from "../keys/prices.ts";
import { offeredModels } from "../providers/registry.ts";
import type { AppEnv } from "./app-env.ts";
import { requireApiKey } from "./auth.ts";

export const models = new Hono<AppEnv>().get("/", requireApiKey, (c) =>
  c.json({
    object: "list",
    data: offeredModels(c.var.config).map((m) => ({
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
    })),
  }),
);
