import type { Env } from "../env.ts";
import { jimeng } from "./jimeng/index.ts";
import { kling } from "./kling/index.ts";
import { vidu } from "./vidu/index.ts";
import type { ModelSpec, Provider, VendorId } from "./types.ts";

const PROVIDERS: Provider[] = [kling, vidu, jimeng];

export function providerFor(vendor: VendorId): Provider {
  return PROVIDERS.find((p) => p.vendor === vendor)!;
}

export function findModel(id: string): { provider: Provider; model: ModelSpec } | undefined {
  for (const provider of PROVIDERS) {
    const model = provider.models.find((m) => m.id === id);
    if (model) return { provider, model };
  }
  return undefined;
}

/** Models of the vendors this deployment has credentials for. */
export function offeredModels(env: Env): ModelSpec[] {
  return PROVIDERS.filter((p) => p.configured(env)).flatMap((p) => p.models);
}
