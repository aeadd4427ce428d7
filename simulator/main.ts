// CLI: `node simulator/main.ts`. Configuration comes from the environment only (see README of the repo).
import { SIM_CREDENTIALS } from "./credentials.ts";
import { startSimulator } from "./server.ts";

const env = process.env;
const delay = env.SIM_DELAY_MS !== undefined && env.SIM_DELAY_MS !== "" ? Number(env.SIM_DELAY_MS) : undefined;
if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
  console.error(`SIM_DELAY_MS must be a number >= 0, got "${env.SIM_DELAY_MS}"`);
  process.exit(2);
}

const sim = await startSimulator({
  port: Number(env.SIM_PORT ?? 8790),
  host: env.SIM_HOST ?? "127.0.0.1",
  publicUrl: env.SIM_PUBLIC_URL || undefined,
  delayMs: delay,
  credentials: {
    KLING_ACCESS_KEY: env.KLING_ACCESS_KEY ?? SIM_CREDENTIALS.KLING_ACCESS_KEY,
    KLING_SECRET_KEY: env.KLING_SECRET_KEY ?? SIM_CREDENTIALS.KLING_SECRET_KEY,
    VIDU_API_KEY: env.VIDU_API_KEY ?? SIM_CREDENTIALS.VIDU_API_KEY,
    VOLC_ACCESS_KEY_ID: env.VOLC_ACCESS_KEY_ID ?? SIM_CREDENTIALS.VOLC_ACCESS_KEY_ID,
    VOLC_SECRET_ACCESS_KEY: env.VOLC_SECRET_ACCESS_KEY ?? SIM_CREDENTIALS.VOLC_SECRET_ACCESS_KEY,
    ARK_API_KEY: env.ARK_API_KEY ?? SIM_CREDENTIALS.ARK_API_KEY,
  },
});
console.log(`simulator listening on ${sim.url}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
