import type { Config } from "../config.ts";
import type { TaskError } from "../lib/errors.ts";

export type VendorId = "kling" | "vidu" | "jimeng" | "ark";

/** What one model accepts; served by GET /v1/models and enforced before anything reaches a vendor. */
export interface ModelSpec {
  id: string;
  vendor: VendorId;
  durations: number[];
  default_duration: number;
  fps: number;
  aspect_ratios: string[];
  resolutions: string[];
  /** Input kinds: "text", "image", "image_tail", "image_list", … */
  inputs: string[];
  seed: boolean;
  prompt_max: number;
  /** The `metadata` fields this model takes, each with what it does and the values it accepts (shown by GET /v1/models). */
  metadata: Record<string, string>;
}

/**
 * One row of a vendor's model table, the same shape for every vendor: the public spec, plus the vendor-only rules
 * its `plan` needs (endpoints, req_keys, per-endpoint limits), which GET /v1/models never shows.
 */
export interface ModelRow<Rules = unknown> {
  spec: ModelSpec;
  rules: Rules;
}

/** A first-frame image as the client gave it: a URL, or base64 with the data-URI prefix removed. */
export type ImageInput = { kind: "url"; url: string } | { kind: "base64"; data: string; mime: string };

/** The unified request after validation common to every vendor. */
export interface GenerationInput {
  model: string;
  prompt: string;
  duration?: number;
  size?: { width: number; height: number };
  image?: ImageInput;
  /** Vendor-specific fields passed through as they are (callback_url already removed). */
  metadata: Record<string, unknown>;
  seed?: number;
}

/** One HTTP call to a vendor, as data: providers describe calls, the workflow makes them. */
export interface VendorCall {
  method: "GET" | "POST" | "DELETE";
  /** Path plus query, e.g. "/v1/videos/text2video". */
  path: string;
  body?: unknown;
}

/**
 * What the vendor will make of a request, as the vendor bills it: read off the same mapping that builds the request
 * (metadata over size over the vendor's default), so the price a task is charged is the price of what was asked for.
 */
export interface PlannedOutput {
  /** The resolution label the video will be rendered at, one of the model's `resolutions`. */
  resolution: string;
  /** Seconds of video the vendor bills (the requested or default duration). */
  seconds: number;
  /** Whether the vendor generates (and bills) an audio track. */
  audio: boolean;
}

/** The vendor request of a task, fixed at POST time, and what polling needs to find the task again. */
export interface SubmitPlan {
  call: VendorCall;
  /** Small vendor-specific facts the poll needs (Kling's endpoint family, Jimeng's req_key). */
  ref: Record<string, string>;
  output: PlannedOutput;
}

export interface PlanContext {
  taskId: string;
  /** This gateway's per-task callback URL, for vendors that call back. */
  callbackUrl: string;
  /** When the task was made (Unix ms): bounds a later search for it at the vendor. */
  createdMs: number;
}

/** What a vendor answer means to the workflow. */
export type Outcome =
  | { kind: "accepted"; upstreamId: string; seed?: number }
  /** `running`: the vendor says it is rendering, not waiting in its own queue. */
  | { kind: "pending"; vendorStatus: string; running: boolean }
  | { kind: "succeeded"; videoUrl: string; coverUrl?: string; seed?: number }
  | { kind: "failed"; error: TaskError }
  | { kind: "busy"; message: string }
  /**
   * Try again later. A submission that met a transient answer is in doubt (the vendor may have created the task,
   * e.g. the connection broke after the request went out) unless `safeToRetry`: the vendor's own documented error
   * code says nothing was created. `staleCredentials`: derived credentials (a cached token) must be made anew.
   */
  | { kind: "transient"; message: string; safeToRetry?: boolean; staleCredentials?: boolean }
  /** A lookup found no such task: a lost submit answer really was lost, so submitting again is safe. */
  | { kind: "absent" };

/** A vendor answer as received: status plus the parsed JSON body (null when it was not JSON). */
export interface VendorReply {
  status: number;
  body: unknown;
}

type Vendors = Config["vendors"];
type CredentialsOf<V extends VendorId> = Vendors[V]["accounts"][number]["credentials"];
/** One account of any vendor: a name and the credentials its provider's `authorize` takes. */
export type AnyAccount = Vendors[VendorId]["accounts"][number];

/**
 * One vendor's protocol: pure translation between the unified API and the vendor's calls and answers. `Rules` is
 * the vendor-only part of its model rows, which `plan` receives as they are.
 */
export interface Provider<V extends VendorId = VendorId, Rules = unknown> {
  vendor: V;
  /** Human name used in messages. */
  name: string;
  models: readonly ModelRow<Rules>[];
  /** Whether the vendor calls back, so the task gets a callback URL. */
  callbacks: boolean;
  /** Pure: the vendor request for a validated input; throws InputError for what this vendor cannot do. */
  plan(input: GenerationInput, model: ModelRow<Rules>, ctx: PlanContext): SubmitPlan;
  /** Headers that authenticate `call` (sent to `url`) whose serialized body is `bodyText`. */
  authorize(credentials: CredentialsOf<V>, call: VendorCall, url: string, bodyText: string | undefined): Promise<Record<string, string>>;
  interpretSubmit(reply: VendorReply): Outcome;
  pollCall(upstreamId: string, ref: Record<string, string>): VendorCall;
  interpretPoll(reply: VendorReply): Outcome;
  /**
   * Finds a task by our own task id, for vendors that support it, so a submit whose answer was lost is found
   * rather than paid for twice. `interpret` answers accepted (with the vendor's id), absent or transient.
   */
  lookup?: {
    call(taskId: string, ref: Record<string, string>): VendorCall;
    interpret(reply: VendorReply, taskId: string): Outcome;
    /** Whether this task can be found (Vidu: only when its payload is ours); always, when absent. */
    possible?(ref: Record<string, string>): boolean;
  };
  /** The vendor's cancel call, for vendors that can cancel a task (Vidu, Ark). */
  cancelCall?(upstreamId: string): VendorCall;
  /**
   * Checks a vendor's own callback signature (Vidu), beyond the per-task URL token every callback carries.
   * Returns the nonce to remember (a reused one is a replay), or an error saying why it does not verify.
   */
  verifyCallback?(credentials: CredentialsOf<V>, request: Request, nowMs: number): Promise<{ nonce: string } | { error: string }>;
  /** Reads a callback body (untrusted) into the vendor task id (when it carries one) and status; null when malformed. */
  readCallback?(body: unknown): { upstreamId: string | null; status: string } | null;
  /** Drops what is derived from the credentials and cached (Kling's signed token) once the vendor refuses it as expired. */
  forgetDerivedCredentials?(credentials: CredentialsOf<V>): void;
}

/** A provider of any vendor, as the registry and the workflow hold it. */
// biome-ignore lint/suspicious/noExplicitAny: the rows' rules are only ever handed back to the provider that made them.
export type AnyProvider = Provider<VendorId, any>;
