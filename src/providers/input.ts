import { invalid } from "../lib/errors.ts";
import type { ImageInput, ModelRow } from "./types.ts";

/** The largest decoded image the gateway takes (and Kling's and Vidu's limit). */
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Fields the gateway sets from the checked top-level request: metadata may not override them. */
export function rejectReserved(metadata: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    if (name in metadata) invalid(`metadata.${name}`, `metadata.${name} is set by the gateway from the request; remove it.`);
  }
}

/**
 * "This model does not do that": names what the request asked for and what the model does instead. The param is
 * `image` when a text-only request reached an image-only model, else `model`.
 */
export function unsupportedRoute<Route extends string>(
  model: ModelRow,
  wanted: Route,
  offered: readonly Route[],
  describe: (route: Route) => string,
  textRoute: Route,
): void {
  if (offered.includes(wanted)) return;
  invalid(wanted === textRoute ? "image" : "model", `${model.spec.id} does not do ${describe(wanted)}; it does ${offered.map(describe).join(" or ")}.`);
}

/** metadata.aspect_ratio: one of the model's, and only where the vendor takes one (not from an image). */
export function checkMetadataRatio(vendor: string, value: unknown, allowed: readonly string[], takesRatio: boolean): void {
  if (value === undefined) return;
  if (!takesRatio) invalid("metadata.aspect_ratio", `${vendor} takes the aspect ratio of image-based videos from the image; remove metadata.aspect_ratio.`);
  if (!allowed.includes(value as string)) invalid("metadata.aspect_ratio", `metadata.aspect_ratio must be one of ${allowed.join(", ")}.`);
}

/** A base64 image's decoded size against a vendor's limit ("10 MiB", "Jimeng's 4.7 MB"). */
export function checkImageBytes(param: string, data: string, maxBytes = MAX_IMAGE_BYTES, limit = "10 MiB"): void {
  if (base64Bytes(data) > maxBytes) {
    invalid(param, `${param} is larger than ${limit} decoded; send a smaller image or a URL to it.`, "image_too_large");
  }
}

/** An image the client gave (top-level `image`, or one inside metadata such as image_tail), parsed and size-checked. */
export function checkedImage(value: unknown, param: string, maxBytes?: number, limit?: string): ImageInput {
  const image = typeof value === "string" ? parseImage(value) : null;
  if (!image) return invalid(param, `${param} must be an http(s) URL, a data URI (data:image/png;base64,...) or raw base64.`);
  if (image.kind === "base64") checkImageBytes(param, image.data, maxBytes, limit);
  return image;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The vendor aspect ratio a size stands for (1% tolerance, so 1366x768 is 16:9). */
export function aspectRatioFor(size: { width: number; height: number }, allowed: readonly string[], param = "size"): string {
  const ratio = size.width / size.height;
  const match = allowed.find((candidate) => {
    const [w, h] = candidate.split(":").map(Number) as [number, number];
    return Math.abs(ratio / (w / h) - 1) < 0.01;
  });
  if (match) return match;
  const d = gcd(size.width, size.height);
  return invalid(
    param,
    `${size.width}x${size.height} is ${size.width / d}:${size.height / d}; this model renders ${allowed.join(", ")}. Choose a size with one of those aspect ratios.`,
  );
}

/** The vendor resolution label ("720p") nearest to a size's short side. */
export function resolutionFor(size: { width: number; height: number }, allowed: readonly string[]): string {
  const short = Math.min(size.width, size.height);
  return [...allowed].sort((a, b) => Math.abs(Number.parseInt(a, 10) - short) - Math.abs(Number.parseInt(b, 10) - short))[0]!;
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

/** Vendors that want raw base64 (Kling, Jimeng) get a data URI's payload; URLs pass unchanged. */
export function asUrlOrRawBase64(image: ImageInput): string {
  return image.kind === "url" ? image.url : image.data;
}

/** Vendors that want base64 only as a data URI (Vidu) get the prefix back. */
export function asUrlOrDataUri(image: ImageInput): string {
  return image.kind === "url" ? image.url : `data:${image.mime};base64,${image.data}`;
}

/** The same conversion for an image given as a string inside metadata (e.g. image_tail). */
export function stripDataUri(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const match = DATA_URI.exec(value);
  return match ? match[2] : value;
}

/** Parses the three accepted image forms; `null` when the text is none of them. */
function parseImage(text: string): ImageInput | null {
  if (/^https?:\/\/\S+$/i.test(text)) return { kind: "url", url: text };
  const match = DATA_URI.exec(text);
  const data = (match ? match[2]! : text).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 === 1) return null;
  return { kind: "base64", data, mime: match ? match[1]! : sniffImageType(data) };
}

/** Decoded size of base64 text, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

function sniffImageType(data: string): string {
  if (data.startsWith("/9j/")) return "image/jpeg";
  if (data.startsWith("iVBOR")) return "image/png";
  if (data.startsWith("UklGR")) return "image/webp";
  return "image/png";
}
