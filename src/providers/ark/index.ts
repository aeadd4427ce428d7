import type { Provider } from "../types.ts";
import { arkCancelCall, arkPollCall, interpretArkPoll, interpretArkSubmit, planArk, readArkCallback } from "./mapping.ts";
import { ARK_MODELS, type ArkRules } from "./models.ts";

export const ark: Provider<"ark", ArkRules> = {
  vendor: "ark",
  name: "Ark",
  models: ARK_MODELS,
  // Ark posts the task to callback_url on every status change (no signature: the per-task URL token is the check).
  callbacks: true,
  plan: planArk,
  authorize: async (credentials) => ({ authorization: `Bearer ${credentials.apiKey}` }),
  interpretSubmit: interpretArkSubmit,
  pollCall: arkPollCall,
  interpretPoll: interpretArkPoll,
  readCallback: readArkCallback,
  cancelCall: arkCancelCall,
};
