// Constants shared by the runtime tests (inside workerd: no Node APIs here) and their config (in Node).
// Inside workerd, reach the simulator through env.KLING_BASE_URL (it points there); TEST_SIM_PORT moves it.
export const TEST_SIM_PORT = 18790;

export const TEST_API_KEYS = {
  alpha: "sk-test-alpha",
  beta: "sk-test-beta",
  /** Used by one file only (model-tables): its task list shows that refused requests created nothing. */
  gamma: "sk-test-gamma",
} as const;

/** The operator's key of the admin routes (ADMIN_API_KEYS) in the runtime tests. */
export const TEST_ADMIN_KEY = "sk-test-admin";
