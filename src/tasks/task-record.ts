import type { TaskError } from "../lib/errors.ts";
import type { VendorId } from "../providers/types.ts";
import type { StoredVideo } from "../storage/ingest.ts";
import type { TaskState } from "./states.ts";

/** Everything the gateway knows about one task; held by its TaskObject. Times are Unix seconds unless named _ms. */
export interface TaskRecord {
  id: string;
  /** SHA-256 of the API key that created it. */
  owner: string;
  model: string;
  vendor: VendorId;
  state: TaskState;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  /** The gateway's public origin when the task was made: base of its callback and video URLs. */
  origin: string;
  deadline_ms: number;
  user: string | null;
  requested_seed: number | null;
  webhook_url: string | null;
  upstream_id: string | null;
  upstream_ref: Record<string, string>;
  submit_attempts: number;
  /** A submit attempt began and got no definitive answer (it timed out, or its runtime died): the vendor may have the task. */
  submit_open: boolean;
  vendor_status: string | null;
  /** Consecutive polls that got a transient vendor error; reset by any real answer. */
  poll_errors: number;
  /** The vendor's (expiring) video URL, between the vendor's success and the end of ingest. */
  video_url: string | null;
  vendor_seed: number | null;
  /** The vendor's cover image URL (Vidu), kept until the cover is copied. */
  cover_url: string | null;
  video: StoredVideo | null;
  /** R2 key of the stored cover image, when the vendor gave one. */
  cover_key: string | null;
  error: TaskError | null;
  /** Last time the workflow reported anything (Unix ms): the watchdog restarts a workflow silent for too long. */
  heartbeat_ms: number;
  /** A planned silence (a long webhook retry wait) ends then; the watchdog counts from the later of the two. */
  quiet_until_ms: number;
  workflow_restarts: number;
  webhook_attempts: WebhookAttempt[];
  /** The user's webhook was delivered, or its retry schedule ended. */
  webhook_done: boolean;
}

export interface WebhookAttempt {
  at: number;
  status: number | null;
  error: string | null;
}

export type NewTask = Omit<
  TaskRecord,
  "state" | "updated_at" | "completed_at" | "upstream_id" | "submit_attempts" | "submit_open" | "vendor_status" | "poll_errors" | "video_url" | "vendor_seed" | "cover_url" | "cover_key" | "video" | "error" | "heartbeat_ms" | "quiet_until_ms"
  | "workflow_restarts" | "webhook_attempts" | "webhook_done"
>;
