// Field checks shared by the three vendor modules. Each check throws a FieldError; the vendor module
// turns it into its own error envelope (Kling 1201, Vidu reason names, Jimeng business code).

/** missing → required field absent; invalid → bad type/value; count → list length; format → image encoding. */
export type FieldErrorKind = "missing" | "invalid" | "unwanted" | "count" | "format";

export class FieldError extends Error {
  kind: FieldErrorKind;
  field: string;
  constructor(kind: FieldErrorKind, field: string, message: string) {
    super(message);
    this.kind = kind;
    this.field = field;
  }
}

export type Body = Record<string, unknown>;

export function isObject(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The body as a JSON object when it is one, without judging it (for counting before validation). */
export function peekJson(raw: Buffer): Body | undefined {
  try {
    const v: unknown = JSON.parse(raw.toString("utf8"));
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON object body, or a FieldError naming what is wrong with it. */
export function parseJsonObject(raw: Buffer): Body {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new FieldError("invalid", "body", "request body is not valid JSON");
  }
  if (!isObject(value)) throw new FieldError("invalid", "body", "request body must be a JSON object");
  return value;
}

interface StrRules {
  /** Name used in messages, e.g. "camera_control.type" for a nested field. */
  label?: string;
  required?: boolean;
  max?: number;
  oneOf?: readonly string[];
}

/** Optional string field; "" counts as absent for `required`. Length is in characters (code points). */
export function str(body: Body, key: string, rules: StrRules = {}): string | undefined {
  const v = body[key];
  const field = rules.label ?? key;
  if (v === undefined || v === null) {
    if (rules.required) throw new FieldError("missing", field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== "string") throw new FieldError("invalid", field, `${field} must be a string`);
  if (rules.required && v.trim() === "") throw new FieldError("missing", field, `${field} is required and must not be empty`);
  if (rules.max !== undefined && [...v].length > rules.max) {
    throw new FieldError("invalid", field, `${field} must be at most ${rules.max} characters`);
  }
  if (rules.oneOf && !rules.oneOf.includes(v)) {
    throw new FieldError("invalid", field, `${field} must be one of ${rules.oneOf.join(", ")} (got "${v}")`);
  }
  return v;
}

interface NumRules {
  label?: string;
  required?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  oneOf?: readonly number[];
}

/** Optional number field; strings are refused (vendors that take numbers parse them as numbers). */
export function num(body: Body, key: string, rules: NumRules = {}): number | undefined {
  const v = body[key];
  const field = rules.label ?? key;
  if (v === undefined || v === null) {
    if (rules.required) throw new FieldError("missing", field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== "number" || !Number.isFinite(v)) throw new FieldError("invalid", field, `${field} must be a number`);
  if (rules.integer && !Number.isInteger(v)) throw new FieldError("invalid", field, `${field} must be an integer`);
  if (rules.min !== undefined && v < rules.min) throw new FieldError("invalid", field, `${field} must be >= ${rules.min}`);
  if (rules.max !== undefined && v > rules.max) throw new FieldError("invalid", field, `${field} must be <= ${rules.max}`);
  if (rules.oneOf && !rules.oneOf.includes(v)) {
    throw new FieldError("invalid", field, `${field} must be one of ${rules.oneOf.join(", ")} (got ${v})`);
  }
  return v;
}

export function bool(body: Body, key: string, label = key): boolean | undefined {
  const v = body[key];
  const field = label;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new FieldError("invalid", field, `${field} must be a boolean`);
  return v;
}

export function list(body: Body, key: string, rules: { label?: string; required?: boolean; min?: number; max?: number } = {}): unknown[] | undefined {
  const v = body[key];
  const field = rules.label ?? key;
  if (v === undefined || v === null) {
    if (rules.required) throw new FieldError("missing", field, `${field} is required`);
    return undefined;
  }
  if (!Array.isArray(v)) throw new FieldError("invalid", field, `${field} must be an array`);
  const { min = 0, max = Infinity } = rules;
  if (v.length < min || v.length > max) {
    const range = max === Infinity ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
    throw new FieldError("count", field, `${field} must have ${range} item(s), got ${v.length}`);
  }
  return v;
}

export function obj(body: Body, key: string, label = key): Body | undefined {
  const v = body[key];
  const field = label;
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new FieldError("invalid", field, `${field} must be an object`);
  return v;
}

export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

/** Absolute http(s) URL field (callback_url and friends). */
export function httpUrl(body: Body, field: string): string | undefined {
  const v = str(body, field);
  if (v === undefined) return undefined;
  if (!isHttpUrl(v)) throw new FieldError("invalid", field, `${field} must be an absolute http(s) URL`);
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (padding required); null when malformed. Node's decoder alone accepts junk. */
export function decodeBase64(text: string): Buffer | null {
  if (text.length === 0 || !BASE64.test(text)) return null;
  return Buffer.from(text, "base64");
}

/** `data:<mime>;base64,<payload>`; null when the string is not such a data URI. */
export function parseDataUri(text: string): { mime: string; data: Buffer | null } | null {
  const m = /^data:([^;,]*);base64,(.*)$/s.exec(text);
  if (!m) return null;
  return { mime: (m[1] ?? "").toLowerCase(), data: decodeBase64(m[2] ?? "") };
}

export interface ImageInfo {
  type: "png" | "jpeg" | "webp";
  width: number;
  height: number;
}

/** Reads type and pixel size from the image header, as vendors do before accepting an input frame. */
function sniffImage(buf: Buffer): ImageInfo | null {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.toString("latin1", 12, 16) === "IHDR") {
    return { type: "png", width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) return sniffJpeg(buf);
  if (buf.length >= 30 && buf.toString("latin1", 0, 4) === "RIFF" && buf.toString("latin1", 8, 12) === "WEBP") {
    return sniffWebp(buf);
  }
  return null;
}

function sniffJpeg(buf: Buffer): ImageInfo | null {
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1] ?? 0;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const len = buf.readUInt16BE(i + 2);
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { type: "jpeg", height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}

function sniffWebp(buf: Buffer): ImageInfo | null {
  const chunk = buf.toString("latin1", 12, 16);
  if (chunk === "VP8X") return { type: "webp", width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
  if (chunk === "VP8L") {
    const bits = buf.readUInt32LE(21);
    return { type: "webp", width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8 ") return { type: "webp", width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  return null;
}

export interface ImageRules {
  types: readonly ImageInfo["type"][];
  maxBytes: number;
  /** Shortest side, px. */
  minSide?: number;
  /** Longest side, px. */
  maxSide?: number;
  /** Longest:shortest ratio limit (2.5 means 1:2.5 … 2.5:1). */
  maxRatio?: number;
}

/** Checks decoded image bytes against a vendor's documented input limits. */
export function checkImage(field: string, data: Buffer, rules: ImageRules): ImageInfo {
  if (data.length > rules.maxBytes) {
    throw new FieldError("invalid", field, `${field} is too large (${data.length} bytes, limit ${rules.maxBytes})`);
  }
  const info = sniffImage(data);
  if (!info || !rules.types.includes(info.type)) {
    throw new FieldError("format", field, `${field} is not a supported image (${rules.types.join("/")})`);
  }
  const short = Math.min(info.width, info.height);
  const long = Math.max(info.width, info.height);
  if (rules.minSide !== undefined && short < rules.minSide) {
    throw new FieldError("invalid", field, `${field} is ${info.width}x${info.height}; each side must be at least ${rules.minSide}px`);
  }
  if (rules.maxSide !== undefined && long > rules.maxSide) {
    throw new FieldError("invalid", field, `${field} is ${info.width}x${info.height}; each side must be at most ${rules.maxSide}px`);
  }
  if (rules.maxRatio !== undefined && long / short > rules.maxRatio) {
    throw new FieldError("invalid", field, `${field} aspect ratio ${info.width}:${info.height} is outside 1:${rules.maxRatio}–${rules.maxRatio}:1`);
  }
  return info;
}
