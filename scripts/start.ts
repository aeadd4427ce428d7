// `npm start`: the gateway on PORT (default 8787) with the vendor simulator beside it, all offline.
import { join } from "node:path";
import { LOCAL_ADMIN_KEY, LOCAL_API_KEY, startStack } from "./local-stack.ts";

const port = Number(process.env.PORT ?? 8787);
const simPort = Number(process.env.SIM_PORT ?? 8790);
const stack = await startStack({ port, simPort, persistTo: join(import.meta.dirname, "../.wrangler/state"), inherit: true });

console.log(`
  Gateway:   ${stack.gatewayUrl}   (API key: ${LOCAL_API_KEY}, admin key: ${LOCAL_ADMIN_KEY})
  Simulator: ${stack.simUrl}   (Kling, Vidu and Jimeng protocols)

  curl -s ${stack.gatewayUrl}/v1/models -H "Authorization: Bearer ${LOCAL_API_KEY}"
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void stack.stop().then(() => process.exit(0)));
}
stack.gateway.on("exit", (code) => void stack.stop().then(() => process.exit(code ?? 1)));
