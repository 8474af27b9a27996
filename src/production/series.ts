// Time series read from production's market data (fx rates, price marks), oldest first.

/** The latest point at or before `at` in a series sorted by time, or null (binary search). */
export function latestAt<T extends { at: Date }>(series: T[], at: Date): T | null {
  let lo = 0;
  let hi = series.length - 1;
  let found: T | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (series[mid]!.at <= at) {
      found = series[mid]!;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
