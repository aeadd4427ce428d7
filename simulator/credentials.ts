// The credentials the simulator accepts, and that `npm start`, the tests and the benchmarks give the gateway.
export const SIM_CREDENTIALS = {
  KLING_ACCESS_KEY: "sim-kling-access",
  KLING_SECRET_KEY: "sim-kling-secret",
  VIDU_API_KEY: "sim-vidu-key",
  VOLC_ACCESS_KEY_ID: "AKLTsimaccesskey",
  VOLC_SECRET_ACCESS_KEY: "sim-volc-secret",
  ARK_API_KEY: "sim-ark-key",
};
