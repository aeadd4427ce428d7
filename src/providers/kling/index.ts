import type { Provider } from "../types.ts";
import { forgetKlingToken, klingToken } from "./auth.ts";
import { interpretKlingLookup, interpretKlingPoll, interpretKlingSubmit, klingPollCall, planKling, readKlingCallback } from "./mapping.ts";
import { KLING_MODELS, type KlingRules } from "./models.ts";

export const kling: Provider<"kling", KlingRules> = {
  vendor: "kling",
  name: "Kling",
  models: KLING_MODELS,
  callbacks: true,
  plan: planKling,
  authorize: async (credentials) => ({ authorization: `Bearer ${await klingToken(credentials.accessKey, credentials.secretKey)}` }),
  interpretSubmit: interpretKlingSubmit,
  pollCall: klingPollCall,
  interpretPoll: interpretKlingPoll,
  readCallback: readKlingCallback,
  forgetDerivedCredentials: (credentials) => forgetKlingToken(credentials.accessKey, credentials.secretKey),
  // Kling finds a task by the external_task_id we set to our task id, in the same query path.
  lookup: { call: klingPollCall, interpret: interpretKlingLookup },
};
