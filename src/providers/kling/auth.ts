import { SignJWT } from "jose";

const LIFETIME_S = 1800;
const RENEW_BEFORE_S = 300;

/** Kling's documented token: HS256, claims in the order iss, exp, nbf; nbf back-dated 5 s for clock skew. */
export function signKlingToken(accessKey: string, secretKey: string, nowS: number): Promise<string> {
  return new SignJWT({ iss: accessKey, exp: nowS + LIFETIME_S, nbf: nowS - 5 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secretKey));
}

// One token per credential pair per isolate, renewed well before it expires.
const cache = new Map<string, { token: string; expS: number }>();

/** Kling refused the token as expired (1004): the next call signs a new one. */
export function forgetKlingToken(accessKey: string, secretKey: string): void {
  cache.delete(`${accessKey}\n${secretKey}`);
}

export async function klingToken(accessKey: string, secretKey: string, nowS = Math.floor(Date.now() / 1000)): Promise<string> {
  const id = `${accessKey}\n${secretKey}`;
  const hit = cache.get(id);
  if (hit && hit.expS - RENEW_BEFORE_S > nowS) return hit.token;
  const token = await signKlingToken(accessKey, secretKey, nowS);
  cache.set(id, { token, expS: nowS + LIFETIME_S });
  return token;
}
