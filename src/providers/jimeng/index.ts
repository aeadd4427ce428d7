import type { Env } from "../../env.ts";
import type { Provider } from "../types.ts";
import { interpretJimengPoll, interpretJimengSubmit, jimengPollCall, planJimeng } from "./mapping.ts";
import { JIMENG_MODELS } from "./models.ts";
import { signVolc } from "./signing.ts";

const baseUrl = (env: Env) => env.JIMENG_BASE_URL || "https://visual.volcengineapi.com";

export const jimeng: Provider = {
  vendor: "jimeng",
  name: "Jimeng",
  models: JIMENG_MODELS,
  // No callback parameter exists: results are only polled.
  callbacks: false,
  configured: (env) => Boolean(env.VOLC_ACCESS_KEY_ID && env.VOLC_SECRET_ACCESS_KEY),
  baseUrl,
  plan: planJimeng,
  // Signs the same URL string and body text the client sends; signed afresh per attempt, so X-Date is always new.
  authorize: (env, call, bodyText) =>
    signVolc({
      method: call.method,
      url: baseUrl(env) + call.path,
      body: bodyText ?? "",
      accessKeyId: env.VOLC_ACCESS_KEY_ID!,
      secretAccessKey: env.VOLC_SECRET_ACCESS_KEY!,
      now: Date.now(),
    }),
  interpretSubmit: interpretJimengSubmit,
  pollCall: jimengPollCall,
  interpretPoll: interpretJimengPoll,
};
