import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { type TaskError, taskError } from "../lib/errors.ts";
import type { AnyAccount, Outcome, VendorId } from "../providers/types.ts";
import type { AccountEvent, AccountView } from "./account-object.ts";
import type { TaskRecord } from "./task-record.ts";

/**
 * The one place that chooses a vendor account. A provider is a protocol; an account is a credential set. New tasks
 * go to the accounts in the order their vendor's AccountObject gives; a task records the account its submission went
 * to, and every later call for it (lookup, poll, cancel, callback check) uses that account and no other.
 */

const accountsOf = (cfg: Config, vendor: VendorId): AnyAccount[] => cfg.vendors[vendor].accounts;
const health = (env: Env, vendor: VendorId) => env.ACCOUNTS.getByName(vendor);

/** The accounts a new submission tries, best first. */
export async function accountOrder(env: Env, cfg: Config, vendor: VendorId): Promise<AnyAccount[]> {
  const accounts = accountsOf(cfg, vendor);
  const names = await health(env, vendor).order(accounts.map((a) => a.name));
  return names.map((name) => accounts.find((a) => a.name === name)!);
}

/**
 * The account a task is bound to: the one its submission went to (and that accepted it). Records made before
 * accounts existed name none and were made with the vendor's only account, the first. Null: no longer configured.
 */
export function taskAccount(cfg: Config, vendor: VendorId, name: string | null | undefined): AnyAccount | null {
  const accounts = accountsOf(cfg, vendor);
  return name == null ? (accounts[0] ?? null) : (accounts.find((a) => a.name === name) ?? null);
}

/** The error of a task whose account was removed from the configuration while the task ran. */
export function accountGone(record: TaskRecord): TaskError {
  return taskError(
    503,
    "upstream_account_error",
    `The ${record.vendor} account "${record.upstream.account ?? "default"}" that accepted this task is no longer configured, and no other account can see the task.`,
  );
}

const REFUSAL_CODES: Record<string, Exclude<AccountEvent, { kind: "accepted" }>["why"]> = {
  upstream_insufficient_credit: "credit",
  upstream_auth_failed: "auth",
  upstream_account_error: "account",
};

/**
 * A submission the account refused for a reason of its own (busy, out of credit, key refused, account suspended):
 * nothing was created, and another account may take the task. Anything else (accepted, the request's own fault, an
 * answer in doubt) is not a refusal.
 */
export function accountRefusal(outcome: Outcome): Exclude<AccountEvent, { kind: "accepted" }> | null {
  if (outcome.kind === "busy") return { kind: "refused", why: "busy", code: "busy", message: outcome.message };
  if (outcome.kind !== "failed") return null;
  const why = outcome.error.code === null ? undefined : REFUSAL_CODES[outcome.error.code];
  return why ? { kind: "refused", why, code: outcome.error.code!, message: outcome.error.message } : null;
}

/**
 * A vendor's message with the account's credentials taken out: vendors echo some of them (Volcengine quotes the
 * access key id it refused), and these messages reach the operator's view and the task's error.
 */
export function withoutCredentials(text: string, account: AnyAccount): string {
  const values = Object.values(account.credentials).filter((value): value is string => typeof value === "string" && value.length >= 4);
  return values.reduce((out, value) => out.replaceAll(value, "[credential]"), text);
}

/** Best effort: an account's health is advice for later tasks, and must never fail the task at hand. */
export async function reportAccount(env: Env, cfg: Config, vendor: VendorId, account: AnyAccount, event: AccountEvent): Promise<void> {
  const name = account.name;
  const reported = event.kind === "refused" ? { ...event, message: withoutCredentials(event.message, account) } : event;
  try {
    await health(env, vendor).report(name, reported, cfg.accountCooldownMs);
  } catch (err) {
    console.error(`account ${vendor}/${name}: its health was not recorded: ${(err as Error).message}`);
  }
}

/** Every configured account of every vendor, as the operator sees them; never a credential. */
export async function accountViews(env: Env, cfg: Config): Promise<(AccountView & { vendor: VendorId })[]> {
  const vendors = Object.keys(cfg.vendors) as VendorId[];
  const views = await Promise.all(
    vendors.map(async (vendor) => {
      const names = accountsOf(cfg, vendor).map((a) => a.name);
      if (names.length === 0) return [];
      return (await health(env, vendor).view(names)).map((view) => ({ vendor, ...view }));
    }),
  );
  return views.flat();
}
