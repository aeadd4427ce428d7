import type { Provider } from "../types.ts";
import { verifyViduCallback } from "./auth.ts";
import {
  interpretViduLookup,
  interpretViduPoll,
  interpretViduSubmit,
  planVidu,
  readViduCallback,
  viduCancelCall,
  viduLookupCall,
  viduPollCall,
} from "./mapping.ts";
import { VIDU_MODELS, type ViduRules } from "./models.ts";

export const vidu: Provider<"vidu", ViduRules> = {
  vendor: "vidu",
  name: "Vidu",
  models: VIDU_MODELS,
  callbacks: true,
  plan: planVidu,
  authorize: async (credentials) => ({ authorization: `Token ${credentials.apiKey}` }),
  interpretSubmit: interpretViduSubmit,
  pollCall: viduPollCall,
  interpretPoll: interpretViduPoll,
  verifyCallback: verifyViduCallback,
  readCallback: readViduCallback,
  cancelCall: viduCancelCall,
  lookup: { call: viduLookupCall, interpret: interpretViduLookup, possible: (ref) => ref.since !== undefined },
};
