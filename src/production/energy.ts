// The energy cost of one production report: pure arithmetic over the site's tariffs.
// Energy is assumed spread evenly over the report's period, so when a tariff changes inside
// the period each tariff gets the energy of its share of the seconds. The report's cost is
// the exact sum, rounded once (half-even) to the currency's minor unit, which is what the
// ledger receives; the segments keep their exact figures for explanation.
import { currencyPlaces, Dec } from '../money/fiat.js';

export interface TariffSpan {
  id: string;
  effectiveFrom: Date;
  /** Exclusive end; null while in force. */
  effectiveTo: Date | null;
  pricePerKwh: Dec;
  currency: string;
}

export interface CostSegment {
  tariffId: string;
  from: Date;
  to: Date;
  seconds: number;
  energyKwh: Dec;
  pricePerKwh: Dec;
  cost: Dec;
}

export interface EnergyCost {
  currency: string;
  /** Exact sum of segments. */
  exactCost: Dec;
  /** Rounded to the currency's minor unit; what is posted. */
  cost: Dec;
  segments: CostSegment[];
}

export class TariffGapError extends Error {
  constructor(readonly at: Date) {
    super(`no energy tariff of the site is in force at ${at.toISOString()}`);
  }
}
export class TariffCurrencyError extends Error {
  constructor(readonly currencies: string[]) {
    super(`the period spans tariffs in different currencies (${currencies.join(', ')}); report each side separately`);
  }
}

/** Splits [start, end) over the tariffs in force and prices each part. Throws on a gap or mixed currency. */
export function energyCost(start: Date, end: Date, energyKwh: Dec, tariffs: TariffSpan[]): EnergyCost {
  const totalMs = end.getTime() - start.getTime();
  if (totalMs <= 0) throw new RangeError('the period must end after it starts');
  const ordered = [...tariffs].sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
  const segments: CostSegment[] = [];
  let cursor = start.getTime();
  for (const tariff of ordered) {
    const from = Math.max(cursor, tariff.effectiveFrom.getTime());
    const to = Math.min(end.getTime(), tariff.effectiveTo?.getTime() ?? Number.POSITIVE_INFINITY);
    if (to <= from) continue;
    if (from > cursor) throw new TariffGapError(new Date(cursor));
    const share = energyKwh.mul(to - from).div(totalMs);
    segments.push({
      tariffId: tariff.id,
      from: new Date(from),
      to: new Date(to),
      seconds: (to - from) / 1000,
      energyKwh: share,
      pricePerKwh: tariff.pricePerKwh,
      cost: share.mul(tariff.pricePerKwh),
    });
    cursor = to;
    if (cursor >= end.getTime()) break;
  }
  if (cursor < end.getTime()) throw new TariffGapError(new Date(cursor));
  const currencies = [...new Set(segments.map((s) => ordered.find((t) => t.id === s.tariffId)!.currency))];
  if (currencies.length !== 1) throw new TariffCurrencyError(currencies);
  const currency = currencies[0]!;
  const exactCost = segments.reduce((sum, s) => sum.add(s.cost), new Dec(0));
  return {
    currency,
    exactCost,
    cost: exactCost.toDecimalPlaces(currencyPlaces(currency), Dec.ROUND_HALF_EVEN),
    segments,
  };
}

/** Two half-open periods [a0, a1) and [b0, b1) overlap (null end = open-ended). */
export function periodsOverlap(a0: Date, a1: Date | null, b0: Date, b1: Date | null): boolean {
  const aEnd = a1?.getTime() ?? Number.POSITIVE_INFINITY;
  const bEnd = b1?.getTime() ?? Number.POSITIVE_INFINITY;
  return a0.getTime() < bEnd && b0.getTime() < aEnd;
}

/** Converts an amount with a rate quoted as 1 unit of `from` = rate units of `to`. */
export function convert(amount: Dec, rate: Dec): Dec {
  return amount.mul(rate);
}
