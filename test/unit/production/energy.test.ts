import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/money/fiat.js';
import {
  energyCost,
  periodsOverlap,
  TariffCurrencyError,
  TariffGapError,
  type TariffSpan,
} from '../../../src/production/energy.js';

const t = (iso: string) => new Date(iso);
const tariff = (id: string, from: string, to: string | null, price: string, currency = 'BYN'): TariffSpan => ({
  id,
  effectiveFrom: t(from),
  effectiveTo: to ? t(to) : null,
  pricePerKwh: new Dec(price),
  currency,
});

describe('energy cost of a report', () => {
  it('one tariff: 1,000 kWh at 0.1234 BYN = 123.40 BYN', () => {
    const cost = energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-01T01:00:00Z'), new Dec(1000), [
      tariff('a', '2026-01-01T00:00:00Z', null, '0.1234'),
    ]);
    expect(cost.currency).toBe('BYN');
    expect(cost.cost.toFixed(2)).toBe('123.40');
    expect(cost.segments).toHaveLength(1);
  });

  it('hand-worked: a tariff change at 06:00 inside a day report splits energy by time', () => {
    // 2,400 kWh over 24 h = 100 kWh/h. 6 h at 0.10 = 600 kWh * 0.10 = 60.00; 18 h at 0.25 = 1,800 kWh * 0.25 = 450.00; total 510.00 BYN
    const cost = energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'), new Dec(2400), [
      tariff('night', '2026-01-01T00:00:00Z', '2026-03-01T06:00:00Z', '0.10'),
      tariff('day', '2026-03-01T06:00:00Z', null, '0.25'),
    ]);
    expect(cost.segments.map((s) => [s.tariffId, s.seconds, s.energyKwh.toFixed(), s.cost.toFixed()])).toEqual([
      ['night', 21_600, '600', '60'],
      ['day', 64_800, '1800', '450'],
    ]);
    expect(cost.cost.toFixed(2)).toBe('510.00');
  });

  it('rounds once, half-even, to the currency minor unit: 1 kWh over 3 equal thirds at 0.01/0.02/0.02 = 0.016666... -> 0.02', () => {
    const cost = energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-01T03:00:00Z'), new Dec(1), [
      tariff('a', '2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z', '0.01'),
      tariff('b', '2026-03-01T01:00:00Z', null, '0.02'),
    ]);
    expect(cost.exactCost.toFixed(10)).toBe('0.0166666667');
    expect(cost.cost.toFixed()).toBe('0.02');
    // JPY has no minor unit
    const yen = energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-01T01:00:00Z'), new Dec('10.5'), [
      tariff('y', '2026-01-01T00:00:00Z', null, '1', 'JPY'),
    ]);
    expect(yen.cost.toFixed()).toBe('10'); // 10.5 half-even -> 10
  });

  it('a gap in tariffs is refused, naming the instant', () => {
    expect(() =>
      energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-01T02:00:00Z'), new Dec(1), [
        tariff('a', '2026-03-01T01:00:00Z', null, '0.1'),
      ]),
    ).toThrow(TariffGapError);
    expect(() =>
      energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-01T02:00:00Z'), new Dec(1), [
        tariff('a', '2026-02-01T00:00:00Z', '2026-03-01T01:00:00Z', '0.1'),
      ]),
    ).toThrow(/2026-03-01T01:00:00.000Z/);
  });

  it('mixed currencies inside one report are refused', () => {
    expect(() =>
      energyCost(t('2026-03-01T00:00:00Z'), t('2026-03-01T02:00:00Z'), new Dec(1), [
        tariff('a', '2026-01-01T00:00:00Z', '2026-03-01T01:00:00Z', '0.1', 'BYN'),
        tariff('b', '2026-03-01T01:00:00Z', null, '0.03', 'USD'),
      ]),
    ).toThrow(TariffCurrencyError);
  });

  it('half-open periods: touching is not overlapping', () => {
    expect(periodsOverlap(t('2026-01-01'), t('2026-02-01'), t('2026-02-01'), null)).toBe(false);
    expect(periodsOverlap(t('2026-01-01'), null, t('2030-01-01'), null)).toBe(true);
    expect(periodsOverlap(t('2026-01-01'), t('2026-02-01'), t('2026-01-31'), t('2026-03-01'))).toBe(true);
  });
});

describe('energy cost properties', () => {
  it('segments cover the period exactly, share all the energy, and the cost lies between the cheapest and dearest price', async () => {
    const fc = (await import('fast-check')).default;
    const base = Date.parse('2026-03-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 86_399 }), { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (cuts, prices, kwhMilli) => {
          const edges = [0, ...[...cuts].sort((a, b) => a - b), 86_400];
          const tariffs = edges
            .slice(0, -1)
            .map((from, i) =>
              tariff(
                `t${i}`,
                new Date(base + from * 1000).toISOString(),
                i === edges.length - 2 ? null : new Date(base + edges[i + 1]! * 1000).toISOString(),
                new Dec(prices[i]!).div(10_000).toFixed(),
              ),
            );
          const energy = new Dec(kwhMilli).div(1000);
          const cost = energyCost(new Date(base), new Date(base + 86_400_000), energy, tariffs);
          expect(cost.segments.reduce((s, x) => s + x.seconds, 0)).toBe(86_400);
          expect(
            cost.segments
              .reduce((s, x) => s.add(x.energyKwh), new Dec(0))
              .sub(energy)
              .abs()
              .lt('1e-40'),
          ).toBe(true);
          const used = tariffs.map((x) => x.pricePerKwh);
          expect(cost.exactCost.gte(energy.mul(Dec.min(...used)).sub('1e-40'))).toBe(true);
          expect(cost.exactCost.lte(energy.mul(Dec.max(...used)).add('1e-40'))).toBe(true);
          expect(cost.cost.sub(cost.exactCost).abs().lte('0.005')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
