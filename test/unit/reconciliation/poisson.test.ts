import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outsideInterval, poissonInterval, poissonPmf } from '../../../src/reconciliation/poisson.js';

describe('Poisson 99% interval for solo blocks', () => {
  it('hand-worked: lambda = 1 gives [0, 4]', () => {
    // CDF: P(0)=.3679 >= .005 -> lower 0; P(<=3)=.9810 < .995, P(<=4)=.9963 -> upper 4
    expect(poissonInterval(1)).toMatchObject({ lower: 0, upper: 4 });
  });

  it('hand-worked: lambda = 10 gives [3, 19]', () => {
    // P(<=2)=.00277 < .005 <= P(<=3)=.01034 -> 3;  P(<=18)=.99281 < .995 <= P(<=19)=.99655 -> 19
    const interval = poissonInterval(10);
    expect(interval).toMatchObject({ lower: 3, upper: 19 });
    expect(outsideInterval(2, interval)).toBe(true);
    expect(outsideInterval(3, interval)).toBe(false);
    expect(outsideInterval(19, interval)).toBe(false);
    expect(outsideInterval(20, interval)).toBe(true);
  });

  it('a small solo site (0.2 expected blocks) finding none, one or two is not flagged; three is', () => {
    const interval = poissonInterval(0.2012);
    expect(interval).toMatchObject({ lower: 0, upper: 2 });
    expect(outsideInterval(0, interval)).toBe(false);
    expect(outsideInterval(3, interval)).toBe(true);
  });

  it('lambda = 0 allows only zero', () => {
    expect(poissonInterval(0)).toMatchObject({ lower: 0, upper: 0 });
  });

  it('pmf matches the closed form', () => {
    expect(poissonPmf(2, 3)).toBeCloseTo((Math.exp(-3) * 9) / 2, 12);
    expect(poissonPmf(0, 0)).toBe(1);
  });

  it('refuses a negative or non-finite mean', () => {
    expect(() => poissonInterval(-1)).toThrow(/lambda/);
    expect(() => poissonInterval(Number.NaN)).toThrow(/lambda/);
  });

  it('property: each tail outside the interval holds at most 0.5%, and the interval is tight', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 2000, noNaN: true }), (lambda) => {
        const { lower, upper } = poissonInterval(lambda);
        let below = 0;
        for (let k = 0; k < lower; k++) below += poissonPmf(k, lambda);
        let upTo = 0;
        for (let k = 0; k <= upper; k++) upTo += poissonPmf(k, lambda);
        expect(below).toBeLessThanOrEqual(0.005 + 1e-12);
        expect(1 - upTo).toBeLessThanOrEqual(0.005 + 1e-9);
        // Tight: one fewer at the top would leave more than 0.5% above.
        expect(1 - (upTo - poissonPmf(upper, lambda))).toBeGreaterThan(0.005 - 1e-9);
        expect(lower).toBeLessThanOrEqual(Math.ceil(lambda));
        expect(upper).toBeGreaterThanOrEqual(Math.floor(lambda));
      }),
      { numRuns: 100 },
    );
  });
});
