import { type Config, ConfigError } from "../config.ts";
import { findModel } from "../providers/registry.ts";
import type { ModelSpec, PlannedOutput } from "../providers/types.ts";

/**
 * Integer credits per second of video, per resolution, plus `audio`: what a second with an audio track costs on top.
 *
 * Conversion: 1 credit = US$0.001 (one tenth of a US cent). Vendor prices in CNY are converted at ¥7.2 = US$1. Every
 * per-second figure is rounded up, so a default never charges less than the vendor bills the operator. Where a model
 * renders one resolution in two modes at different prices (Kling's std and pro), the dearer mode's price is taken.
 * Where no published price was found the row says so and copies the nearest dearer model it is sold beside.
 * The operator replaces any of this with the PRICES variable (src/config.ts), without code.
 */
export type PerSecond = Record<string, number>;

/*
 * Kling: Kling's API is sold in prepaid units at US$0.14 each (Kling "Prepaid resource packs", as mirrored at
 * docs.klingai2.org/prepaid-resource-packs); its "Credit deduction details" (quoted by klingaiprompt.com/blog/
 * kling-ai-api-pricing and, in Kling's own 10-point scale, by the klingai-cost-controls notes) charge per 5 s:
 * v1/v1.5/v1.6 std 1 unit, pro 3.5 units; v2 master and v2.1 master 10 units; v2.1, v2.5 turbo and v2.6 std 1.5,
 * pro 2.5 units; v2.6 pro with sound 5 units. Per second: 1 unit/5 s = 28 credits, 1.5 = 42, 2.5 = 70, 3.5 = 98,
 * 10 = 280; v2.6's sound adds 70. kling-v3: no Kling page found; atlascloud.ai/blog/guides/kling-ai-api-pricing gives
 * ~$0.42 per 5 s at 720p, ~$0.56 at 1080p and ~$1.68 per 10 s with native audio: 84, 112 and +56 for audio.
 * kling-video-o1 and kling-v3-omni: no published price found: priced as kling-v3 (conservatively, its dearest).
 */
const KLING: Record<string, PerSecond> = {
  "kling-v1": { "720p": 98 },
  "kling-v1-5": { "720p": 28, "1080p": 98 },
  "kling-v1-6": { "720p": 28, "1080p": 98 },
  "kling-v2-master": { "720p": 280 },
  "kling-v2-1": { "720p": 42, "1080p": 70 },
  "kling-v2-1-master": { "1080p": 280 },
  "kling-v2-5-turbo": { "720p": 42, "1080p": 70 },
  "kling-v2-6": { "720p": 42, "1080p": 70, audio: 70 },
  "kling-v3": { "720p": 84, "1080p": 112, audio: 56 },
  "kling-video-o1": { "720p": 84, "1080p": 112 },
  "kling-v3-omni": { "720p": 84, "1080p": 112 },
};

/*
 * Vidu: Vidu's API credits as resold one to one by 302.ai (doc-en.302.ai/294940083e0, "First/Last Frame": 1 Vidu credit =
 * US$0.05; 302.ai/product/detail/viduq3-turbo: 1 point = US$0.005, viduq1 5 s 1080p = 80 points = 8 credits = $0.40).
 * viduq1 $0.40/5 s → 80; vidu2.0 4 s 360p $0.10 → 25, 720p $0.20/4 s but $0.50/8 s → 63; vidu1.5 4 s 360p $0.20 → 50,
 * 720p $0.50/4 s → 125, 1080p $1.00/4 s → 250; viduq2-turbo 720p $0.05/s → 50, 1080p $0.10/s → 100; viduq2-pro 720p
 * $0.10/s → 100, 1080p $0.20/s → 200; 540p is not listed for q2: priced as 720p. viduq3-pro 540p 14, 720p 30, 1080p
 * 32 points/s → 70, 150, 160 (audio included: Q3 makes audio by default). viduq2, viduq3-turbo, viduq3-mix and
 * viduq3: no price found: priced as viduq2-pro and viduq3-pro.
 */
const VIDU_Q2_PRO = { "540p": 100, "720p": 100, "1080p": 200 };
const VIDU_Q3 = { "540p": 70, "720p": 150, "1080p": 160 };
const VIDU: Record<string, PerSecond> = {
  viduq1: { "1080p": 80 },
  "viduq1-classic": { "1080p": 80 },
  "vidu2.0": { "360p": 25, "720p": 63 },
  "vidu1.5": { "360p": 50, "720p": 125, "1080p": 250 },
  viduq2: VIDU_Q2_PRO,
  "viduq2-pro": VIDU_Q2_PRO,
  "viduq2-turbo": { "540p": 50, "720p": 50, "1080p": 100 },
  // viduq2-pro-fast: no Vidu price found (shortapi.ai resells it far below q2-pro): priced as viduq2-pro.
  "viduq2-pro-fast": { "720p": 100, "1080p": 200 },
  "viduq3-pro": VIDU_Q3,
  "viduq3-turbo": VIDU_Q3,
  "viduq3-mix": { "720p": 150, "1080p": 160 },
  viduq3: VIDU_Q3,
};

/*
 * Ark (Seedance) bills tokens = width × height × 24 × seconds / 1024 (ark-seedance.md §5, Volcengine price page 1544106):
 * 480p 9 720/s, 720p 21 600/s, 1080p (1920×1088) 48 960/s. Prices per million tokens in US$ as 302.ai resells them
 * (doc-en.302.ai/344157192e0: seedance-1.0-pro 2.2, 1.0-lite 1.5, 1.5-pro online 1.2 silent / 2.4 with audio, i.e.
 * Volcengine's ¥15, ¥10, ¥8, ¥16 per million): 1.0 pro 22/48/108; 1.0 lite 15/33/74; 1.5 pro 12/26/59 and audio
 * +59 (the 1080p difference, so no resolution is under-priced). 1.0 pro fast: no price found: priced as 1.0 pro.
 * 2.0 and 2.0 fast: no Volcengine price found; piapi.ai/docs/seedance-api/seedance-2 sells them at $0.10 and $0.08
 * per second (audio included) at 720p: 100 and 80, scaled by tokens to 45/100/227 and 36/80.
 */
const ARK: Record<string, PerSecond> = {
  "doubao-seedance-1-0-pro-250528": { "480p": 22, "720p": 48, "1080p": 108 },
  "doubao-seedance-1-0-pro-fast-251015": { "480p": 22, "720p": 48, "1080p": 108 },
  "doubao-seedance-1-0-lite-t2v-250428": { "480p": 15, "720p": 33, "1080p": 74 },
  "doubao-seedance-1-0-lite-i2v-250428": { "480p": 15, "720p": 33, "1080p": 74 },
  "doubao-seedance-1-5-pro-251215": { "480p": 12, "720p": 26, "1080p": 59, audio: 59 },
  "doubao-seedance-2-0-260128": { "480p": 45, "720p": 100, "1080p": 227 },
  "doubao-seedance-2-0-fast-260128": { "480p": 36, "720p": 80 },
};

/*
 * Jimeng (Volcengine visual API): no published per-second price was found for the jimeng_* req_keys. Jimeng 3.0 is
 * sold beside Seedance 1.0 pro (same family), so its rows copy Seedance 1.0 pro's price at the same resolution: 720p
 * 48, 1080p 108. Operators with a Jimeng contract should set PRICES.
 */
const JIMENG_720 = { "720p": 48 };
const JIMENG_1080 = { "1080p": 108 };
const JIMENG: Record<string, PerSecond> = {
  jimeng_t2v_v30: JIMENG_720,
  jimeng_i2v_first_v30: JIMENG_720,
  jimeng_i2v_first_tail_v30: JIMENG_720,
  jimeng_i2v_recamera_v30: JIMENG_720,
  jimeng_t2v_v30_1080p: JIMENG_1080,
  jimeng_i2v_first_v30_1080: JIMENG_1080,
  jimeng_i2v_first_tail_v30_1080: JIMENG_1080,
  jimeng_ti2v_v30_pro: JIMENG_1080,
  jimeng_vgfm_t2v_l20: JIMENG_720,
  jimeng_vgfm_i2v_l20: JIMENG_720,
  jimeng_v30: JIMENG_720,
  jimeng_v30_1080p: JIMENG_1080,
  jimeng_v30_pro: JIMENG_1080,
};

/** The shipped table: every model of every vendor (a test checks that each has a price for each resolution). */
export const DEFAULT_PRICES: Readonly<Record<string, PerSecond>> = { ...KLING, ...VIDU, ...ARK, ...JIMENG };

const AUDIO = "audio";

/** The dimensions a model is priced by: its resolutions, and audio where the default table prices it. */
function dimensions(spec: ModelSpec): string[] {
  return [...spec.resolutions, ...(AUDIO in (DEFAULT_PRICES[spec.id] ?? {}) ? [AUDIO] : [])];
}

// One merge per parsed configuration (the configuration itself is parsed once per set of bindings).
const merged = new WeakMap<Config, Record<string, PerSecond>>();

/** The default table with the operator's PRICES laid over it, checked against the model tables once. */
function table(cfg: Config): Record<string, PerSecond> {
  let prices = merged.get(cfg);
  if (prices) return prices;
  prices = { ...DEFAULT_PRICES };
  for (const [model, override] of Object.entries(cfg.prices)) {
    const found = findModel(model);
    if (!found) throw new ConfigError(`The gateway is misconfigured: PRICES names model "${model}", which the gateway does not have.`);
    const allowed = dimensions(found.spec);
    for (const key of Object.keys(override)) {
      if (!allowed.includes(key)) {
        throw new ConfigError(`The gateway is misconfigured: PRICES["${model}"] has "${key}"; ${model} is priced by ${allowed.join(", ")}.`);
      }
    }
    prices[model] = { ...prices[model], ...override };
  }
  merged.set(cfg, prices);
  return prices;
}

/** What GET /v1/models shows: the model's credits per second, per resolution (and audio). */
export function pricingOf(cfg: Config, spec: ModelSpec): { unit: "credits"; per_second: PerSecond } {
  const row = table(cfg)[spec.id] ?? {};
  return { unit: "credits", per_second: Object.fromEntries(dimensions(spec).map((d) => [d, row[d] ?? 0])) };
}

/** A task's price, fixed at creation: per-second price of its resolution (plus audio) × its seconds. */
export function priceOf(cfg: Config, spec: ModelSpec, output: PlannedOutput): number {
  const row = table(cfg)[spec.id] ?? {};
  const perSecond = (row[output.resolution] ?? 0) + (output.audio ? (row[AUDIO] ?? 0) : 0);
  return Math.ceil(perSecond * output.seconds);
}

/** Checks PRICES against the model tables now, so a bad entry names itself at the first request, not at a POST. */
export function checkPrices(cfg: Config): void {
  table(cfg);
}
