import { hmacHex, safeEqual } from "./crypto.ts";

const DAY_S = 86_400;
/** A URL is valid for at least this long after it is handed out. */
const VALIDITY_S = 7 * DAY_S;

/**
 * Expiry rounded up to the end of a UTC day, so every read of a task during one day hands out the very same
 * URL, which browsers and caches then reuse.
 */
export function urlExpiry(nowS: number): number {
  return (Math.floor(nowS / DAY_S) + 1) * DAY_S + VALIDITY_S;
}

const contentMessage = (taskId: string, expires: number) => `content:${taskId}:${expires}`;

export async function signContentUrl(secret: string, origin: string, taskId: string, expires: number): Promise<string> {
  const signature = await hmacHex(secret, contentMessage(taskId, expires));
  return `${origin}/v1/video/generations/${taskId}/content?expires=${expires}&signature=${signature}`;
}

export async function verifyContentSignature(secret: string, taskId: string, expires: string, signature: string, nowS: number): Promise<boolean> {
  if (!/^\d{1,12}$/.test(expires) || Number(expires) < nowS) return false;
  return safeEqual(await hmacHex(secret, contentMessage(taskId, Number(expires))), signature);
}

/** The unguessable token in a task's vendor callback URL. */
export function callbackToken(secret: string, taskId: string): Promise<string> {
  return hmacHex(secret, `callback:${taskId}`);
}

export async function verifyCallbackToken(secret: string, taskId: string, token: string): Promise<boolean> {
  return safeEqual(await callbackToken(secret, taskId), token);
}
