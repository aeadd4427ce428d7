// An independent signer of Vidu callbacks (vendor-protocols.md §3.7), node:crypto only: the end-to-end tests sign
// callbacks with it, so the gateway's own verifier is checked against code it does not share.
import { createHmac, randomUUID } from "node:crypto";

export function viduSigningString(method: string, url: string, date: string, nonce: string): string {
  const u = new URL(url);
  // The query exactly as registered (the gateway's callback URL carries only `token`, so no reordering can occur).
  return `${method}\n${u.pathname}\n${u.search.slice(1)}\nvidu\n${date}\nDate:${date}\nx-request-nonce:${nonce}\n`;
}

/** The headers of a Vidu callback to `url`, signed with `secret` (the API key of the account that made the task). */
export function viduSignedHeaders(url: string, secret: string, opts: { date?: Date; nonce?: string } = {}): Record<string, string> {
  const date = (opts.date ?? new Date()).toUTCString();
  const nonce = opts.nonce ?? randomUUID();
  const signature = createHmac("sha256", secret)
    .update(viduSigningString("POST", url, date, nonce))
    .digest("base64");
  return {
    "content-type": "application/json",
    Date: date,
    "x-request-nonce": nonce,
    "X-HMAC-SIGNED-HEADERS": "Date;x-request-nonce",
    "X-HMAC-ALGORITHM": "hmac-sha256",
    "X-HMAC-ACCESS-KEY": "vidu",
    "X-HMAC-SIGNATURE": signature,
  };
}
