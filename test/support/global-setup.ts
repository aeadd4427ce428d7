import { SIM_CREDENTIALS } from "../../simulator/credentials.ts";
import { startSimulator } from "../../simulator/server.ts";
import { TEST_SIM_PORT } from "./test-env.ts";

// The runtime tests reach the simulator over loopback, exactly as the Worker would reach a vendor.
export default async function setup() {
  const port = Number(process.env.TEST_SIM_PORT ?? TEST_SIM_PORT);
  const sim = await startSimulator({ port, credentials: SIM_CREDENTIALS, delayMs: 1500 });
  return () => sim.close();
}
