import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/money/fiat.js';
import {
  costPerBtc,
  efficiencyJPerTh,
  expectedBlocks,
  expectedGrossSat,
  expectedNetSat,
  roundExpectedSat,
  workThSeconds,
} from '../../../src/production/expected.js';

const day = (difficulty: string, subsidySat: bigint, feesSat: string) => ({
  difficulty: new Dec(difficulty),
  subsidySat,
  feesSat: new Dec(feesSat),
});

describe('expected bitcoin from hashrate', () => {
  it('hand-worked: 100 TH/s for a day at difficulty 1e14, reward 3.125 + 0.1 BTC', () => {
    // 100e12 H/s * 86400 s = 8.64e18 hashes; / (1e14 * 2^32) = 86400 / 4294967296 = 0.0000201165676... blocks
    // * 322,500,000 sat = 27,864,000,000,000 / 4,294,967,296 = 6487.593054771... sat -> rounded down 6487 sat
    const work = workThSeconds(new Dec(100), 86_400);
    const d = day('100000000000000', 312_500_000n, '10000000');
    expect(expectedBlocks(work, d.difficulty).toFixed(16)).toBe('0.0000201165676117');
    expect(expectedGrossSat(work, d).toFixed(6)).toBe('6487.593055');
    expect(roundExpectedSat(expectedNetSat(work, d, { kind: 'solo' }))).toBe(6487n);
  });

  it('hand-worked: the same on FPPS with a 2% fee: 6487.593... * 0.98 = 6357.841... -> 6357 sat', () => {
    const work = workThSeconds(new Dec(100), 86_400);
    const d = day('100000000000000', 312_500_000n, '10000000');
    const net = expectedNetSat(work, d, { kind: 'pool', scheme: 'fpps', feeRate: new Dec('0.02') });
    expect(net.toFixed(6)).toBe('6357.841194');
    expect(roundExpectedSat(net)).toBe(6357n);
  });

  it('hand-worked: 1 EH/s for an hour at difficulty 83148355189239.77, reward 3.125 + 0.05 BTC = 3,200,609 sat', () => {
    // 1e18 * 3600 * 317,500,000 / (83148355189239.77 * 2^32) = 3,200,609.622... -> 3,200,609 sat
    const work = workThSeconds(new Dec(1_000_000), 3600);
    const exact = expectedGrossSat(work, day('83148355189239.77', 312_500_000n, '5000000'));
    expect(exact.toFixed(3)).toBe('3200609.622');
    expect(roundExpectedSat(exact)).toBe(3_200_609n);
  });

  it('the period is rounded once: 24 hourly reports sum exactly to the daily figure', () => {
    const d = day('100000000000000', 312_500_000n, '10000000');
    const hourly = Array.from({ length: 24 }, () => expectedGrossSat(workThSeconds(new Dec(100), 3600), d));
    const summed = hourly.reduce((a, b) => a.add(b), new Dec(0));
    expect(summed.toFixed(20)).toBe(expectedGrossSat(workThSeconds(new Dec(100), 86_400), d).toFixed(20));
    // Rounding each hour first would lose up to a satoshi an hour: 24 * floor(270.316...) = 6480, not 6487.
    expect(hourly.reduce((a, b) => a + roundExpectedSat(b), 0n)).toBe(6480n);
    expect(roundExpectedSat(summed)).toBe(6487n);
  });

  it('PPS+ and PPLNS deduct their fee too; solo keeps all', () => {
    const work = workThSeconds(new Dec(100), 86_400);
    const d = day('100000000000000', 312_500_000n, '10000000');
    expect(roundExpectedSat(expectedNetSat(work, d, { kind: 'pool', scheme: 'pps+', feeRate: new Dec('0.04') }))).toBe(
      6228n,
    ); // 6228.089...
    expect(roundExpectedSat(expectedNetSat(work, d, { kind: 'pool', scheme: 'pplns', feeRate: new Dec('0') }))).toBe(
      6487n,
    );
  });

  it('refuses a zero difficulty and a negative expectation', () => {
    expect(() => expectedBlocks(new Dec(1), new Dec(0))).toThrow(/difficulty/);
    expect(() => roundExpectedSat(new Dec('-1'))).toThrow(/negative/);
  });

  it('efficiency in J/TH and cost per BTC', () => {
    // 100 TH/s for an hour using 2.5 kWh: 2.5 * 3.6e6 J / 360,000 TH = 25 J/TH
    expect(efficiencyJPerTh(new Dec('2.5'), workThSeconds(new Dec(100), 3600))!.toFixed()).toBe('25');
    expect(efficiencyJPerTh(new Dec('2.5'), new Dec(0))).toBeNull();
    // 1,000 BYN spent for 0.25 BTC = 4,000 BYN per BTC
    expect(costPerBtc(new Dec(1000), 25_000_000n)!.toFixed()).toBe('4000');
    expect(costPerBtc(new Dec(1000), 0n)).toBeNull();
  });

  it('property: expected is linear in work and additive over splits of a period', () => {
    const d = day('83148355189239.77', 312_500_000n, '1234567.89');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 86_399 }), (ths, splitAt) => {
        const rate = new Dec(ths).div(1000);
        const whole = expectedGrossSat(workThSeconds(rate, 86_400), d);
        const parts = expectedGrossSat(workThSeconds(rate, splitAt), d).add(
          expectedGrossSat(workThSeconds(rate, 86_400 - splitAt), d),
        );
        expect(parts.sub(whole).abs().lt(new Dec('1e-40'))).toBe(true);
        expect(roundExpectedSat(whole) <= BigInt(whole.ceil().toFixed(0))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
