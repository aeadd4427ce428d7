/**
 * When the TaskObject's watchdog expects the workflow's next sign of life. Each report to the TaskObject says how
 * long the workflow may now be silent (a step running, a planned wait); WATCHDOG_AFTER later the watchdog restarts a
 * silent workflow. So a crashed runtime's tasks resume seconds after their next report was due, while long planned
 * waits (a busy vendor's back-off, webhook retries) never trigger it.
 */

/** A fresh task's workflow starts within this long (and a restarted one gets twice as long). */
export const START_MS = 15_000;
/** A step reports within this long: its vendor call's 30 s timeout plus its own work. */
export const STEP_MS = 45_000;
/** A download that is alive delivers at least one part this often; a slower one is stalled and retried. */
export const INGEST_STALL_MS = 60_000;
/** While copying a video, the step reports that it is alive this often, whatever the download is doing. */
export const INGEST_BEAT_MS = 10_000;
/** Once the vendor has finished, copying its video may run this far past TASK_DEADLINE before the task fails. */
export const INGEST_GRACE_MS = 30 * 60_000;
