// Vendor accounts of the simulator: the default one (the credentials it was started with) and SIM_ACCOUNTS. Every
// vendor's auth check finds the calling account; a task belongs to the account that created it and is invisible to
// the others (as at the real vendors); and each account has a state the control API sets, answered in the vendor's
// own documented words by the vendor module.
import type { Credentials, Vendor } from "./core.ts";
import { SIM_ACCOUNTS } from "./credentials.ts";

/** `no_credit`, `busy` and `suspended` refuse creates; `revoked` refuses every call as the vendor's auth failure. */
export type AccountState = "ok" | "no_credit" | "busy" | "revoked" | "suspended";
export const ACCOUNT_STATES: readonly AccountState[] = ["ok", "no_credit", "busy", "revoked", "suspended"];

export interface SimAccount {
  vendor: Vendor;
  name: string;
  /** Kling: access/secret key; Vidu and Ark: key (in `access`); Jimeng: access key id/secret access key. */
  access: string;
  secret: string;
  state: AccountState;
}

export function simAccounts(credentials: Credentials): SimAccount[] {
  const account = (vendor: Vendor, name: string, access: string, secret = ""): SimAccount => ({ vendor, name, access, secret, state: "ok" });
  return [
    account("kling", "default", credentials.KLING_ACCESS_KEY, credentials.KLING_SECRET_KEY),
    ...SIM_ACCOUNTS.KLING_ACCOUNTS.map((a) => account("kling", a.name, a.access_key, a.secret_key)),
    account("vidu", "default", credentials.VIDU_API_KEY),
    ...SIM_ACCOUNTS.VIDU_ACCOUNTS.map((a) => account("vidu", a.name, a.api_key)),
    account("jimeng", "default", credentials.VOLC_ACCESS_KEY_ID, credentials.VOLC_SECRET_ACCESS_KEY),
    ...SIM_ACCOUNTS.VOLC_ACCOUNTS.map((a) => account("jimeng", a.name, a.access_key_id, a.secret_access_key)),
    account("ark", "default", credentials.ARK_API_KEY),
    ...SIM_ACCOUNTS.ARK_ACCOUNTS.map((a) => account("ark", a.name, a.api_key)),
  ];
}

/** The vendor's account whose key (Vidu, Ark) or access key (Kling, Jimeng) this is. */
export function accountByAccess(accounts: readonly SimAccount[], vendor: Vendor, access: string | undefined): SimAccount | undefined {
  return access === undefined ? undefined : accounts.find((a) => a.vendor === vendor && a.access === access);
}
