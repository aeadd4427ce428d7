/**
 * The R2 bucket's layout: every prefix the gateway writes, and how long the bucket keeps it (its lifecycle rule,
 * applied by `scripts/r2-lifecycle.ts`, which reads this table). `retention` means VIDEO_RETENTION.
 */
export const R2_LAYOUT = {
  /** The vendor request of each task, fixed at POST time (it may carry a 10 MiB image, too big for a Durable Object row). */
  requests: { prefix: "requests/", expire: { days: 7 } },
  /** Partial copies and unfinished multipart uploads of crashed ingest attempts. */
  staging: { prefix: "ingest-staging/", expire: { days: 1, abortMultipartDays: 1 } },
  /** Finished videos. */
  videos: { prefix: "videos/", expire: "retention" },
  /** The vendor's cover image of a video (Vidu), served as its thumbnail for as long as the video. */
  covers: { prefix: "covers/", expire: "retention" },
} as const satisfies Record<string, { prefix: string; expire: "retention" | { days: number; abortMultipartDays?: number } }>;

export const requestKey = (taskId: string) => `${R2_LAYOUT.requests.prefix}${taskId}.json`;
export const videoKey = (taskId: string) => `${R2_LAYOUT.videos.prefix}${taskId}.mp4`;
export const coverKey = (taskId: string) => `${R2_LAYOUT.covers.prefix}${taskId}`;
/** Concurrent attempts never share a staging key. */
export const stagingKey = (finalKey: string) => `${R2_LAYOUT.staging.prefix}${finalKey}.${crypto.randomUUID()}`;
