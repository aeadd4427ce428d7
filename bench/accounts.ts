// Account spread: how 60 new Kling tasks spread over three accounts of one vendor (API.md §13), with every account
// healthy, with one out of credit, with one busy, and with one whose key is revoked, each scenario on a fresh
// `wrangler dev` + simulator (so no account health carries over).
//
//   npx node bench/accounts.ts            (TASKS=60 CONCURRENCY=10 by default)
//
// Per scenario: the vendor tasks each account accepted, the create calls the vendor saw (refusals included), and the
// checks that matter: every POST answered 200, and no task was accepted twice (each paid once). Writes the report to
// stdout and to bench/results/accounts.md (OUT=path to change it); exits 1 when a check fails.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LOCAL_ADMIN_KEY, LOCAL_API_KEY, startStack } from "../scripts/local-stack.ts";
import { SIM_ACCOUNTS } from "../simulator/credentials.ts";
import { row } from "./stats.ts";

const TASKS = Math.max(3, Number(process.env.TASKS ?? 60));
const CONCURRENCY = Math.max(1, Number(process.env.CONCURRENCY ?? 10));
const OUT = process.env.OUT ?? join(import.meta.dirname, "results/accounts.md");
const PORT = 18944;
const SIM_PORT = 18945;
const NAMES = ["a", "b", "c"] as const;

interface Scenario {
  name: string;
  /** Simulator account states set before the first task. */
  states: Partial<Record<(typeof NAMES)[number], string>>;
}

const SCENARIOS: Scenario[] = [
  { name: "all three healthy", states: {} },
  { name: "a out of credit", states: { a: "no_credit" } },
  { name: "b busy (concurrency full)", states: { b: "busy" } },
  { name: "c's key revoked", states: { c: "revoked" } },
];

type Json = Record<string, any>;

async function run(scenario: Scenario): Promise<{ cells: (string | number)[]; failures: string[] }> {
  const persistTo = mkdtempSync(join(tmpdir(), "vgw-bench-accounts-"));
  const stack = await startStack({
    port: PORT,
    simPort: SIM_PORT,
    persistTo,
    vars: { KLING_ACCOUNTS: JSON.stringify(SIM_ACCOUNTS.KLING_ACCOUNTS), POLL_INTERVALS: "60s" },
    // Tasks stay unfinished: this measures where submissions go, not rendering.
    simEnv: { SIM_DELAY_MS: "600000" },
  });
  const failures: string[] = [];
  try {
    for (const [name, state] of Object.entries(scenario.states)) {
      await fetch(`${stack.simUrl}/__sim/accounts/kling/${name}`, { method: "PUT", body: JSON.stringify({ state }) });
    }
    const statuses: number[] = [];
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TASKS) {
          const i = next++;
          const response = await fetch(`${stack.gatewayUrl}/v1/video/generations`, {
            method: "POST",
            headers: { authorization: `Bearer ${LOCAL_API_KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "kling-v1", prompt: `account spread ${scenario.name} ${i}` }),
          });
          statuses.push(response.status);
          await response.body?.cancel();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const stats = ((await (await fetch(`${stack.simUrl}/__sim/stats`)).json()) as Json).kling as Json;
    const admin = (await (await fetch(`${stack.gatewayUrl}/v1/admin/accounts`, { headers: { authorization: `Bearer ${LOCAL_ADMIN_KEY}` } })).json()) as Json;
    const byAccount = stats.byAccount as Record<string, { calls: number; accepted: number }>;
    const twice = Object.values(stats.byExternalId as Record<string, { accepted: number }>).filter((c) => c.accepted > 1).length;
    const ok = statuses.filter((s) => s === 200).length;
    if (ok !== TASKS) failures.push(`${scenario.name}: ${TASKS - ok} POSTs did not answer 200 (${[...new Set(statuses)].join(", ")})`);
    if (twice > 0) failures.push(`${scenario.name}: ${twice} tasks were accepted twice`);
    if (stats.accepted !== TASKS) failures.push(`${scenario.name}: the vendor accepted ${stats.accepted} tasks, not ${TASKS}`);
    const health = (name: string) => (admin.data as Json[]).find((a) => a.vendor === "kling" && a.name === name)?.health ?? "?";
    const cells = [
      scenario.name,
      ...NAMES.map((name) => `${byAccount[name]?.accepted ?? 0} (${health(name)})`),
      // A revoked key's refusal is counted by the simulator as unauthorized, not as a create.
      stats.create + stats.unauthorized,
      stats.create - stats.accepted + stats.unauthorized,
      twice,
      ok,
      seconds.toFixed(1),
    ];
    return { cells, failures };
  } finally {
    await stack.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

const lines = [
  `${TASKS} Kling tasks (kling-v1), ${CONCURRENCY} POSTs at a time, KLING_ACCOUNTS = simulator accounts a, b, c; one fresh stack per scenario.`,
  "Per account: vendor tasks it accepted (its health in GET /v1/admin/accounts afterwards).",
  "",
  row(["scenario", "a", "b", "c", "create calls", "refused calls", "tasks accepted twice", "POSTs 200", "seconds"]),
  row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
];
const failures: string[] = [];
for (const scenario of SCENARIOS) {
  const result = await run(scenario);
  lines.push(row(result.cells));
  failures.push(...result.failures);
  console.log(row(result.cells));
}
lines.push("", failures.length === 0 ? "All checks passed." : `Failed checks:\n${failures.map((f) => `- ${f}`).join("\n")}`);
const report = `${lines.join("\n")}\n`;
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `# Account spread (bench/accounts.ts)\n\n${report}`);
console.log(`\n${report}`);
process.exit(failures.length === 0 ? 0 : 1);
