import type { Config } from "../config.ts";
import { ark } from "./ark/index.ts";
import { jimeng } from "./jimeng/index.ts";
import { kling } from "./kling/index.ts";
import type { AnyProvider, GenerationInput, ModelSpec, PlanContext, SubmitPlan, VendorId } from "./types.ts";
import { vidu } from "./vidu/index.ts";

const PROVIDERS: readonly AnyProvider[] = [kling, vidu, jimeng, ark];

export function providerFor(vendor: VendorId): AnyProvider {
  const provider = PROVIDERS.find((p) => p.vendor === vendor);
  if (!provider) throw new Error(`no provider for vendor "${vendor}"`);
  return provider;
}

/** A model with its provider, and the provider's `plan` already bound to the model's own row. */
export interface BoundModel {
  provider: AnyProvider;
  spec: ModelSpec;
  plan(input: GenerationInput, ctx: PlanContext): SubmitPlan;
}

export function findModel(id: string): BoundModel | undefined {
  for (const provider of PROVIDERS) {
    const row = provider.models.find((m) => m.spec.id === id);
    if (row) return { provider, spec: row.spec, plan: (input, ctx) => provider.plan(input, row, ctx) };
  }
  return undefined;
}

/** Whether this deployment has an account of the vendor. */
export function isOffered(cfg: Config, vendor: VendorId): boolean {
  return cfg.vendors[vendor].accounts.length > 0;
}

/** Models of the vendors this deployment has an account of. */
export function offeredModels(cfg: Config): ModelSpec[] {
  return PROVIDERS.filter((p) => isOffered(cfg, p.vendor)).flatMap((p) => p.models.map((m) => m.spec));
}
