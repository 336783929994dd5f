/**
 * The p-th percentile (0–100) of `values`, by the nearest-rank method: the smallest value with at
 * least p% of the values at or below it. Nearest-rank always returns a value that was measured,
 * which is what a latency report should show. The input need not be sorted and is not changed.
 * An empty input has no percentile: NaN, so a report can print it rather than crash.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be between 0 and 100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
