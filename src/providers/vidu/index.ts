import type { Provider } from "../types.ts";
import { verifyViduCallback } from "./auth.ts";
import { interpretViduPoll, interpretViduSubmit, planVidu, readViduCallback, viduCancelCall, viduPollCall } from "./mapping.ts";
import { VIDU_MODELS } from "./models.ts";

export const vidu: Provider = {
  vendor: "vidu",
  name: "Vidu",
  models: VIDU_MODELS,
  callbacks: true,
  configured: (env) => Boolean(env.VIDU_API_KEY),
  baseUrl: (env) => env.VIDU_BASE_URL || "https://api.vidu.com",
  plan: planVidu,
  authorize: async (env) => ({ authorization: `Token ${env.VIDU_API_KEY}` }),
  interpretSubmit: interpretViduSubmit,
  pollCall: viduPollCall,
  interpretPoll: interpretViduPoll,
  verifyCallback: verifyViduCallback,
  readCallback: readViduCallback,
  cancelCall: viduCancelCall,
};
