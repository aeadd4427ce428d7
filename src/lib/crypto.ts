const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
}

const importHmac = (raw: Uint8Array) => crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

/** Keys given as text are a handful of configured secrets, signed with on every read of a task: imported once. */
const textKeys = new Map<string, Promise<CryptoKey>>();
const TEXT_KEYS = 64;

function textKey(key: string): Promise<CryptoKey> {
  let imported = textKeys.get(key);
  if (!imported) {
    if (textKeys.size >= TEXT_KEYS) textKeys.clear();
    imported = importHmac(encoder.encode(key));
    textKeys.set(key, imported);
  }
  return imported;
}

export async function hmacSha256(key: string | Uint8Array, data: string): Promise<Uint8Array> {
  const cryptoKey = await (typeof key === "string" ? textKey(key) : importHmac(key));
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

export async function hmacHex(key: string, data: string): Promise<string> {
  return toHex(await hmacSha256(key, data));
}

/** Compares secrets without leaking where they differ (the runtime's constant-time compare). */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

/** Standard base64 of bytes, in chunks (String.fromCharCode takes a bounded number of arguments). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
