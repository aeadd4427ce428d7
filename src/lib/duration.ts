const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "2s", "5m", "2h", "1d" → milliseconds; throws with the offending text otherwise. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration like 2s, 5m or 2h`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** "2s,5s,10s" → [2000, 5000, 10000]. */
export function parseDurations(text: string): number[] {
  const list = text
    .split(",")
    .filter((part) => part.trim() !== "")
    .map(parseDuration);
  if (list.length === 0) throw new Error(`"${text}" holds no durations`);
  return list;
}

/** The i-th wait of a schedule whose last entry repeats. */
export function scheduleAt(schedule: readonly number[], i: number): number {
  return schedule[Math.min(i, schedule.length - 1)]!;
}
