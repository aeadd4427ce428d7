// Small statistics shared by the benchmarks.

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** Formats a markdown table row. */
export function row(cells: readonly (string | number)[]): string {
  return `| ${cells.map(String).join(" | ")} |`;
}
