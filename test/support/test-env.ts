// Constants shared by the runtime tests (inside workerd: no Node APIs here) and their config (in Node).
export const TEST_SIM_PORT = 18790;

export const TEST_API_KEYS = {
  alpha: "sk-test-alpha",
  beta: "sk-test-beta",
} as const;
