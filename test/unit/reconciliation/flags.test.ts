import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/money/fiat.js';
import type { PoolArrangement } from '../../../src/production/expected.js';
import { flagPeriod, type PeriodFigures } from '../../../src/reconciliation/flags.js';

const fpps: PoolArrangement = { kind: 'pool', scheme: 'fpps', feeRate: new Dec('0.02') };
const rules = { asOf: new Date('2026-02-10T00:00:00Z'), missingPayoutDays: 2 };

/** A clean pool period: produced, paid exactly what was expected, long settled. */
function clean(over: Partial<PeriodFigures> = {}): PeriodFigures {
  return {
    arrangement: fpps,
    tolerance: null,
    workThs: new Dec(360_000),
    energyKwh: new Dec('2.5'),
    expectedSat: 100_000n,
    expectedBlocks: new Dec('0.001'),
    actualSat: 100_000n,
    actualBlocks: 0,
    periodEnd: new Date('2026-02-01T00:00:00Z'),
    foreignPayouts: 0,
    ...over,
  };
}
const codes = (f: PeriodFigures, r = rules) => flagPeriod(f, r).flags.map((x) => x.code);

describe('reconciliation flags', () => {
  it('a clean pool period raises nothing', () => {
    expect(codes(clean())).toEqual([]);
    // 0.9% under on FPPS (tolerance 1%) is still clean
    expect(codes(clean({ actualSat: 99_100n }))).toEqual([]);
  });

  it('missing payout: production and no payout after the configured days', () => {
    expect(codes(clean({ actualSat: 0n }))).toEqual(['missing_payout']);
    // only 1 day after the period end with a 2-day rule: not yet
    const early = { ...rules, asOf: new Date('2026-02-02T00:00:00Z') };
    expect(codes(clean({ actualSat: 0n }), early)).toEqual([]);
    // exactly 2 days after: flagged
    expect(codes(clean({ actualSat: 0n }), { ...rules, asOf: new Date('2026-02-03T00:00:00Z') })).toEqual([
      'missing_payout',
    ]);
  });

  it('underpayment beyond the scheme tolerance, with a per-site override', () => {
    expect(codes(clean({ actualSat: 98_999n }))).toEqual(['underpayment']); // 1.001% under on FPPS (1%)
    expect(
      codes(clean({ actualSat: 98_999n, arrangement: { kind: 'pool', scheme: 'pplns', feeRate: new Dec('0.02') } })),
    ).toEqual([]); // PPLNS: 25%
    expect(codes(clean({ actualSat: 98_999n, tolerance: new Dec('0.05') }))).toEqual([]);
    expect(codes(clean({ actualSat: 150_000n }))).toEqual([]); // overpayment is not an underpayment
  });

  it('payout without production', () => {
    expect(codes(clean({ workThs: new Dec(0), energyKwh: new Dec(0), expectedSat: 0n }))).toEqual([
      'payout_without_production',
    ]);
  });

  it('energy without hashrate (and no payout: nothing else)', () => {
    expect(codes(clean({ workThs: new Dec(0), expectedSat: 0n, actualSat: 0n }))).toEqual(['energy_without_hashrate']);
  });

  it('foreign address', () => {
    expect(codes(clean({ foreignPayouts: 1 }))).toEqual(['foreign_address']);
  });

  it('solo: flags only outside the 99% Poisson interval, and shows the interval', () => {
    const solo = (actualBlocks: number, expected: string) =>
      flagPeriod(
        clean({
          arrangement: { kind: 'solo' },
          expectedBlocks: new Dec(expected),
          actualBlocks,
          actualSat: BigInt(actualBlocks) * 315_000_000n,
        }),
        rules,
      );
    // lambda 10 -> [3, 19]
    expect(solo(3, '10').flags).toEqual([]);
    expect(solo(19, '10').soloInterval).toMatchObject({ lower: 3, upper: 19 });
    expect(solo(2, '10').flags.map((f) => f.code)).toEqual(['solo_blocks_outside_interval']);
    expect(solo(20, '10').flags[0]!.detail).toContain('[3, 19]');
    // a solo site with no block is not a missing payout: lambda 0.2 -> [0, 2]
    expect(solo(0, '0.2').flags).toEqual([]);
  });
});
