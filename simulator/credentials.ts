// The credentials the simulator accepts, and that `npm start`, the tests and the benchmarks give the gateway.
export const SIM_CREDENTIALS = {
  KLING_ACCESS_KEY: "sim-kling-access",
  KLING_SECRET_KEY: "sim-kling-secret",
  VIDU_API_KEY: "sim-vidu-key",
  VOLC_ACCESS_KEY_ID: "AKLTsimaccesskey",
  VOLC_SECRET_ACCESS_KEY: "sim-volc-secret",
  ARK_API_KEY: "sim-ark-key",
};

const NAMES = ["a", "b", "c"] as const;

/**
 * More accounts of every vendor, which the simulator accepts beside the default one above, in the gateway's
 * `*_ACCOUNTS` shape (API.md §2), so a test hands them over as they are: `JSON.stringify(SIM_ACCOUNTS.KLING_ACCOUNTS)`.
 * Each account has its own tasks and its own state (`PUT /__sim/accounts/{vendor}/{name}`).
 */
export const SIM_ACCOUNTS = {
  KLING_ACCOUNTS: NAMES.map((name) => ({ name, access_key: `sim-kling-access-${name}`, secret_key: `sim-kling-secret-${name}` })),
  VIDU_ACCOUNTS: NAMES.map((name) => ({ name, api_key: `sim-vidu-key-${name}` })),
  VOLC_ACCOUNTS: NAMES.map((name) => ({ name, access_key_id: `AKLTsimaccess${name}`, secret_access_key: `sim-volc-secret-${name}` })),
  ARK_ACCOUNTS: NAMES.map((name) => ({ name, api_key: `sim-ark-key-${name}` })),
};
