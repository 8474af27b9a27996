// Solo mining finds whole blocks by luck: the count in a period is Poisson with mean
// lambda = expected blocks. A count is flagged only outside the central 99% interval.
// Probabilities are plain floating point: they are never money.

/** ln(k!) for integer k >= 0 (summed exactly up to 256, Stirling's series beyond). */
function logFactorial(k: number): number {
  if (k < 256) {
    let sum = 0;
    for (let i = 2; i <= k; i++) sum += Math.log(i);
    return sum;
  }
  const x = k + 1;
  return (
    (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5)
  );
}

/** P(X = k) for X ~ Poisson(lambda). */
export function poissonPmf(k: number, lambda: number): number {
  if (lambda === 0) return k === 0 ? 1 : 0;
  return Math.exp(-lambda + k * Math.log(lambda) - logFactorial(k));
}

export interface PoissonInterval {
  lambda: number;
  /** Smallest k with P(X <= k) >= (1 - level) / 2. */
  lower: number;
  /** Smallest k with P(X <= k) >= 1 - (1 - level) / 2. */
  upper: number;
  level: number;
}

/**
 * The central interval [lower, upper] holding at least `level` of the probability:
 * P(X < lower) <= (1-level)/2 and P(X > upper) <= (1-level)/2.
 */
export function poissonInterval(lambda: number, level = 0.99): PoissonInterval {
  if (!Number.isFinite(lambda) || lambda < 0) throw new RangeError('lambda must be a finite number >= 0');
  if (lambda > 1e7) throw new RangeError('lambda is too large for a solo-mining count');
  const tail = (1 - level) / 2;
  // Sum from a point well below the mean: terms below it are negligible (< 1e-30 in total).
  const start = Math.max(0, Math.floor(lambda - 12 * Math.sqrt(lambda) - 10));
  let cdf = 0;
  let lower = -1;
  for (let k = start; ; k++) {
    cdf += poissonPmf(k, lambda);
    if (lower < 0 && cdf >= tail) lower = k;
    if (cdf >= 1 - tail) return { lambda, lower, upper: k, level };
  }
}

/** True when an actual block count falls outside the 99% interval for lambda. */
export function outsideInterval(actual: number, interval: PoissonInterval): boolean {
  return actual < interval.lower || actual > interval.upper;
}
