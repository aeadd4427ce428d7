import type { TaskError } from "../lib/errors.ts";
import type { VendorId } from "../providers/types.ts";
import type { StoredVideo } from "../storage/ingest.ts";
import { START_MS } from "./liveness.ts";
import type { TaskState } from "./states.ts";

/** Everything the gateway knows about one task, grouped by concern; held by its TaskObject. Times are Unix seconds unless named _ms. */
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
  /** Credits, fixed at creation: reserved while processing, charged on success, refunded on failure (API.md §8). */
  price: number;
  error: TaskError | null;
  /** What was asked for, as the OpenAI video object shows it (absent on tasks made before it was kept). */
  request?: TaskAsked;
  /** When its owner deleted it (Unix seconds): its bytes are gone and every read answers 404. */
  deleted_at?: number | null;

  /** The task at the vendor. */
  upstream: {
    /** The vendor's task id, once it accepted the task. */
    id: string | null;
    /**
     * The vendor account the latest submission went to; once `id` is set, the account that accepted the task, used
     * for every later call. Null: not submitted yet (or a record made before accounts, bound to the first account).
     */
    account: string | null;
    /** Small vendor-specific facts polling needs (Kling's endpoint family, Jimeng's req_key). */
    ref: Record<string, string>;
    /** The vendor's last reported status ("busy" while it refuses for lack of room). */
    status: string | null;
    /** The vendor said it is rendering (not waiting in its own queue). */
    running?: boolean;
    seed: number | null;
  };
  submit: {
    /** A submit attempt began and got no definitive answer (it timed out, or its runtime died): the vendor may have the task. */
    open: boolean;
  };
  poll: {
    /** Consecutive polls that got a transient vendor error; reset by any real answer. */
    errors: number;
  };
  /** What the vendor made, and where the gateway keeps it. */
  result: {
    /** The vendor's (expiring) video URL, between the vendor's success and the end of ingest. */
    video_url: string | null;
    /** The vendor's cover image URL (Vidu), kept until the cover is copied. */
    cover_url: string | null;
    video: StoredVideo | null;
    /** R2 key of the stored cover image, when the vendor gave one. */
    cover_key: string | null;
  };
  webhook: {
    /** The user's metadata.callback_url; null when none was given. */
    url: string | null;
    attempts: WebhookAttempt[];
    /** Delivered, or its retry schedule ended. */
    done: boolean;
  };
  watchdog: {
    /** When the workflow's next report is due (Unix ms); WATCHDOG_AFTER later, a silent workflow is restarted. */
    due_ms: number;
    restarts: number;
  };
  /** The task's final state has reached its API key's books (the concurrency count); retried by the alarm until it has. */
  owner_notified: boolean;
}

interface TaskAsked {
  prompt: string;
  /** Seconds: the requested duration, else the model's default. */
  duration: number;
  /** The requested WIDTHxHEIGHT, if any. */
  size: string | null;
}

export interface WebhookAttempt {
  at: number;
  status: number | null;
  error: string | null;
}

/** What the POST knows about a new task; everything else starts blank. */
export interface NewTask {
  id: string;
  owner: string;
  model: string;
  vendor: VendorId;
  created_at: number;
  origin: string;
  deadline_ms: number;
  user: string | null;
  requested_seed: number | null;
  price: number;
  webhook_url: string | null;
  upstream_ref: Record<string, string>;
  request?: TaskAsked;
}

export function blankTask(fields: NewTask, nowMs: number): TaskRecord {
  const { webhook_url, upstream_ref, ...rest } = fields;
  return {
    ...rest,
    state: "queued",
    updated_at: fields.created_at,
    completed_at: null,
    error: null,
    deleted_at: null,
    upstream: { id: null, account: null, ref: upstream_ref, status: null, seed: null },
    submit: { open: false },
    poll: { errors: 0 },
    result: { video_url: null, cover_url: null, video: null, cover_key: null },
    webhook: { url: webhook_url, attempts: [], done: false },
    watchdog: { due_ms: nowMs + START_MS, restarts: 0 },
    owner_notified: false,
  };
}
