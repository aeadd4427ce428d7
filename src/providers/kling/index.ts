import type { Provider } from "../types.ts";
import { klingToken } from "./auth.ts";
import { interpretKlingLookup, interpretKlingPoll, interpretKlingSubmit, klingPollCall, planKling, readKlingCallback } from "./mapping.ts";
import { KLING_MODELS } from "./models.ts";

export const kling: Provider = {
  vendor: "kling",
  name: "Kling",
  models: KLING_MODELS,
  callbacks: true,
  configured: (env) => Boolean(env.KLING_ACCESS_KEY && env.KLING_SECRET_KEY),
  baseUrl: (env) => env.KLING_BASE_URL || "https://api-singapore.klingai.com",
  plan: planKling,
  authorize: async (env) => ({ authorization: `Bearer ${await klingToken(env.KLING_ACCESS_KEY!, env.KLING_SECRET_KEY!)}` }),
  interpretSubmit: interpretKlingSubmit,
  pollCall: klingPollCall,
  interpretPoll: interpretKlingPoll,
  // Kling finds a task by the external_task_id we set to our task id, in the same query path.
  readCallback: readKlingCallback,
  lookup: { call: klingPollCall, interpret: interpretKlingLookup },
};
