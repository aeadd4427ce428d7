import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, taskError } from "../lib/errors.ts";
import type { ImageInput, Outcome } from "./types.ts";

/** A 400 about one request field, phrased as what to change. */
export function invalid(param: string, message: string, code = "invalid_value"): never {
  throw new ApiError(400, message, code, param);
}

export function failed(status: ContentfulStatusCode, code: string, message: string): Outcome {
  return { kind: "failed", error: taskError(status, code, message) };
}

/** The error codes a vendor's terminal answer becomes, shared so every vendor reads the same to users. */
export const vendorFailure = {
  request: (vendor: string, why: string) => failed(400, "vendor_rejected_request", `${vendor} rejected the request: ${why}`),
  moderation: (vendor: string, why: string) =>
    failed(400, "content_policy_violation", `${vendor} refused the content: ${why}. Change the prompt or image.`),
  credentials: (vendor: string, why: string, variables: string) =>
    failed(502, "upstream_auth_failed", `${vendor} did not accept this gateway's credentials (${why}); the operator must check ${variables}.`),
  credit: (vendor: string, why: string) =>
    failed(503, "upstream_insufficient_credit", `${vendor} account of this gateway is out of credit (${why}); the operator must top it up.`),
  account: (vendor: string, why: string) =>
    failed(503, "upstream_account_error", `${vendor} refused this gateway's account (${why}); the operator must check the vendor account.`),
  generation: (vendor: string, why: string) => failed(502, "generation_failed", `${vendor} could not generate the video: ${why}`),
  lost: (vendor: string, why: string) => failed(502, "upstream_task_lost", `${vendor} no longer knows this task: ${why}`),
};

/** Outcome for a transport-level answer: 429 busy, 5xx and unknown statuses transient. */
export function byHttpStatus(vendor: string, status: number, why: string): Outcome {
  if (status === 429) return { kind: "busy", message: `${vendor} is busy: ${why}` };
  return { kind: "transient", message: `${vendor} answered HTTP ${status}: ${why}` };
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
  return invalid(param, `${size.width}x${size.height} is ${size.width / d}:${size.height / d}; this model renders ${allowed.join(", ")}. Choose a size with one of those aspect ratios.`);
}

/** The vendor resolution label ("720p") nearest to a size's short side. */
export function resolutionFor(size: { width: number; height: number }, allowed: readonly string[]): string {
  const short = Math.min(size.width, size.height);
  return [...allowed].sort((a, b) => Math.abs(parseInt(a) - short) - Math.abs(parseInt(b) - short))[0]!;
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

/** Vendors that want raw base64 (Kling, Jimeng) get a data URI's payload; URLs pass unchanged. */
export function asUrlOrRawBase64(image: ImageInput): string {
  return image.kind === "url" ? image.url : image.data;
}

/** The same conversion for an image given as a string inside metadata (e.g. image_tail). */
export function stripDataUri(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const match = DATA_URI.exec(value);
  return match ? match[2] : value;
}

/** Parses the three accepted image forms; `null` when the text is none of them. */
export function parseImage(text: string): ImageInput | null {
  if (/^https?:\/\/\S+$/i.test(text)) return { kind: "url", url: text };
  const match = DATA_URI.exec(text);
  const data = (match ? match[2]! : text).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 === 1) return null;
  return { kind: "base64", data, mime: match ? match[1]! : sniffImageType(data) };
}

/** Decoded size of base64 text, without decoding it. */
export function base64Bytes(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

function sniffImageType(data: string): string {
  if (data.startsWith("/9j/")) return "image/jpeg";
  if (data.startsWith("iVBOR")) return "image/png";
  if (data.startsWith("UklGR")) return "image/webp";
  return "image/png";
}
