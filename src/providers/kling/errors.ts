import { retryLater, undocumented, vendorFailure } from "../outcomes.ts";
import type { Outcome } from "../types.ts";

const K = "Kling";
const CREDENTIALS = "KLING_ACCESS_KEY and KLING_SECRET_KEY";

/** Every documented Kling error code (API reference, "Error codes"), by what the gateway must do about it. */
export function klingError(code: number, message: string, httpStatus: number, phase: "submit" | "poll"): Outcome {
  const why = `${message} (code ${code})`;
  // The cached token is dropped, so the retry signs a fresh one.
  if (code === 1004) return { kind: "transient", message: `Kling token expired: ${why}`, safeToRetry: true, staleCredentials: true };
  if (code >= 1000 && code <= 1003) return vendorFailure.credentials(K, why, CREDENTIALS);
  if (code === 1100 || code === 1103 || code === 1304) return vendorFailure.account(K, why);
  if (code === 1101 || code === 1102) return vendorFailure.credit(K, why);
  if (code === 1302 || code === 1303) return { kind: "busy", message: `Kling is at its rate or concurrency limit: ${why}` };
  if (code === 1300 || code === 1301) return vendorFailure.moderation(K, why);
  if (phase === "poll" && (httpStatus === 404 || code === 1203)) return vendorFailure.lost(K, why);
  if (code >= 1200 && code <= 1203) return vendorFailure.request(K, why);
  if (code >= 5000 && code <= 5002) return retryLater(`Kling had an internal problem: ${why}`);
  return undocumented(K, httpStatus, why);
}
