/**
 * A task's life. `queued` waits for the vendor to accept it, `submitted` waits for the vendor to finish,
 * `ingesting` copies the finished video into R2. Nothing leaves `succeeded` or `failed`, which makes duplicate
 * callbacks and replayed workflow steps harmless.
 */
export type TaskState = "queued" | "submitted" | "ingesting" | "succeeded" | "failed";

const NEXT: Record<TaskState, readonly TaskState[]> = {
  queued: ["submitted", "failed"],
  submitted: ["ingesting", "failed"],
  ingesting: ["succeeded", "failed"],
  succeeded: [],
  failed: [],
};

export function canMove(from: TaskState, to: TaskState): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(state: TaskState): boolean {
  return NEXT[state].length === 0;
}

/** The seed's three public statuses. */
export function publicStatus(state: TaskState): "processing" | "succeeded" | "failed" {
  return state === "succeeded" || state === "failed" ? state : "processing";
}
