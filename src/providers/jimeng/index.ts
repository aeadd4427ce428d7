import type { Provider } from "../types.ts";
import { interpretJimengPoll, interpretJimengSubmit, jimengPollCall, planJimeng } from "./mapping.ts";
import { JIMENG_MODELS, type JimengRules } from "./models.ts";
import { signVolc } from "./signing.ts";

export const jimeng: Provider<"jimeng", JimengRules> = {
  vendor: "jimeng",
  name: "Jimeng",
  models: JIMENG_MODELS,
  // No callback parameter exists: results are only polled.
  callbacks: false,
  plan: planJimeng,
  // Signs the same URL string and body text the client sends; signed afresh per attempt, so X-Date is always new.
  authorize: (credentials, call, url, bodyText) =>
    signVolc({
      method: call.method,
      url,
      body: bodyText ?? "",
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      now: Date.now(),
    }),
  interpretSubmit: interpretJimengSubmit,
  pollCall: jimengPollCall,
  interpretPoll: interpretJimengPoll,
};
