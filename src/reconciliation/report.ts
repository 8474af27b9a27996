// The reconciliation report: per site and period, what was produced, what it cost, what it
// should have earned and what the books say it earned, with flags.
import type { Ctx } from '../context.js';
import { notFound } from '../errors.js';
import { executor } from '../context.js';
import { formatBtc } from '../money/btc.js';
import { currencyPlaces, Dec } from '../money/fiat.js';
import { dailyProduction, fxRateSeries, latestAt } from '../production/index.js';
import { networkDays } from '../production/index.js';
import { arrangementOf, listSites, type Site } from '../production/index.js';
import {
  costPerBtc,
  efficiencyJPerTh,
  expectedBlocks,
  expectedNetSat,
  netOfPoolFee,
  type PoolArrangement,
  roundExpectedSat,
} from '../production/index.js';
import { raiseUnderpayments } from './alerts.js';
import { flagPeriod } from './flags.js';
import { foreignPayouts, miningIncome, miningIncomeBetween, siteIncome } from './sources.js';
import { priceMarkSeries } from '../production/index.js';
import {
  periodLabel,
  type ReconciliationRow,
  reconciliationCsv,
  type SurplusFields,
  surplusFields,
  totalsOf,
  valueAtReceipt,
} from './surplus.js';

export type Granularity = 'day' | 'month';

export interface ReconciliationQuery {
  /** First UTC day, YYYY-MM-DD. */
  from: string;
  /** Day after the last, YYYY-MM-DD (exclusive). */
  to: string;
  siteId?: string;
  granularity: Granularity;
  missingPayoutDays: number;
  reportingCurrency: string;
  asOf: Date;
}

const DAY_MS = 86_400_000;
const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
const bucketOf = (day: string, g: Granularity) => (g === 'day' ? day : day.slice(0, 7));

function bucketBounds(bucket: string, g: Granularity, q: ReconciliationQuery): { start: Date; end: Date } {
  const start = g === 'day' ? dayStart(bucket) : new Date(`${bucket}-01T00:00:00Z`);
  const end =
    g === 'day'
      ? new Date(start.getTime() + DAY_MS)
      : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  // Clip to the query, so a partial month says so.
  return {
    start: start < dayStart(q.from) ? dayStart(q.from) : start,
    end: end > dayStart(q.to) ? dayStart(q.to) : end,
  };
}

interface Accumulator {
  siteId: string;
  bucket: string;
  reports: number;
  workThs: Dec;
  seconds: Dec;
  energyKwh: Dec;
  costs: Map<string, Dec>;
  costReporting: Dec | null;
  missingRates: Set<string>;
  expectedExact: Dec;
  expectedBlocks: Dec;
  missingNetworkDays: number;
  actualSat: bigint;
  blocks: number;
  foreign: number;
}

function newAcc(siteId: string, bucket: string): Accumulator {
  return {
    siteId,
    bucket,
    reports: 0,
    workThs: new Dec(0),
    seconds: new Dec(0),
    energyKwh: new Dec(0),
    costs: new Map(),
    costReporting: new Dec(0),
    missingRates: new Set(),
    expectedExact: new Dec(0),
    expectedBlocks: new Dec(0),
    missingNetworkDays: 0,
    actualSat: 0n,
    blocks: 0,
    foreign: 0,
  };
}

/** The first instant of each month touching [from, to), then `to`: the month buckets' edges. */
function monthBoundaries(from: Date, to: Date): Date[] {
  const edges = [from];
  let next = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  while (next < to) {
    edges.push(next);
    next = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1));
  }
  edges.push(to);
  return edges;
}

export type { ReconciliationRow };

export type ReconciliationRowOut = ReconciliationRow & SurplusFields;

/** Everything a reconciliation reads, fetched together; the rest of the work is pure. */
async function readSources(ctx: Ctx, q: ReconciliationQuery) {
  const db = executor(ctx);
  const from = dayStart(q.from);
  const to = dayStart(q.to);
  const sites = new Map<string, Site>(
    (await listSites(db)).filter((s) => !q.siteId || s.id === q.siteId).map((s) => [s.id, s]),
  );
  if (q.siteId && !sites.has(q.siteId)) throw notFound(`site ${q.siteId}`);
  // By month, income comes from the ledger's balances at each month boundary (one summing
  // query each); by day, from the income entries themselves.
  const monthStarts = q.granularity === 'month' ? monthBoundaries(from, to) : [];
  const soloSites = [...sites.values()].filter((s) => s.poolKind === 'solo').map((s) => s.id);
  const [daily, network, income, incomeByMonth, soloIncome, foreign, marks] = await Promise.all([
    dailyProduction(db, { fromDay: q.from, toDay: q.to, siteId: q.siteId }),
    networkDays(db, q.from, new Date(to.getTime() - DAY_MS).toISOString().slice(0, 10)),
    // Every receipt, also by month: each is valued at the mark in force at its time.
    miningIncome(ctx, from, to),
    q.granularity === 'month' ? miningIncomeBetween(ctx, monthStarts) : Promise.resolve(new Map<string, bigint[]>()),
    q.granularity === 'month' ? Promise.all(soloSites.map((id) => siteIncome(ctx, id, from, to))) : Promise.resolve([]),
    foreignPayouts(ctx, from, to),
    priceMarkSeries(db, q.reportingCurrency, to),
  ]);
  const rates = new Map<string, { at: Date; rate: Dec }[]>();
  for (const currency of new Set(daily.map((d) => d.currency))) {
    if (currency !== q.reportingCurrency && currency !== 'XXX')
      rates.set(currency, await fxRateSeries(db, currency, q.reportingCurrency, from, to));
  }
  return { from, to, sites, monthStarts, daily, network, income, incomeByMonth, soloIncome, foreign, marks, rates };
}

type Sources = Awaited<ReturnType<typeof readSources>>;

/** The accumulators of a reconciliation, one per site and bucket, made on first use. */
class Buckets {
  readonly accs = new Map<string, Accumulator>();
  constructor(private readonly granularity: Granularity) {}
  at(siteId: string, day: string): Accumulator {
    const bucket = bucketOf(day, this.granularity);
    const key = `${siteId}\u0000${bucket}`;
    let a = this.accs.get(key);
    if (!a) this.accs.set(key, (a = newAcc(siteId, bucket)));
    return a;
  }
  sorted(): Accumulator[] {
    return [...this.accs.values()].sort((x, y) =>
      x.siteId === y.siteId ? (x.bucket < y.bucket ? -1 : 1) : x.siteId < y.siteId ? -1 : 1,
    );
  }
}

/** Production days: work, energy, cost (in its currency and the reporting one) and expected income. */
function addProduction(buckets: Buckets, s: Sources, q: ReconciliationQuery): void {
  // Per network day, what one TH-second is worth (gross sat) and how many blocks it finds:
  // exactly the pure functions applied to a unit of work, so each report day costs two products.
  const one = new Dec(1);
  const perDay = new Map(
    [...s.network].map(([day, net]) => [
      day,
      { sat: expectedNetSat(one, net, { kind: 'solo' }), blocks: expectedBlocks(one, net.difficulty) },
    ]),
  );
  for (const d of s.daily) {
    if (!s.sites.has(d.siteId)) continue;
    const a = buckets.at(d.siteId, d.day);
    a.reports += d.reports;
    a.workThs = a.workThs.add(d.workThs);
    a.seconds = a.seconds.add(d.seconds);
    a.energyKwh = a.energyKwh.add(d.energyKwh);
    if (!d.energyCost.isZero()) {
      a.costs.set(d.currency, (a.costs.get(d.currency) ?? new Dec(0)).add(d.energyCost));
      // Each day's cost converts at the latest rate at or before the end of that day.
      const rate =
        d.currency === q.reportingCurrency
          ? new Dec(1)
          : (latestAt(s.rates.get(d.currency) ?? [], new Date(dayStart(d.day).getTime() + DAY_MS))?.rate ?? null);
      if (rate === null) a.missingRates.add(d.currency);
      else if (a.costReporting) a.costReporting = a.costReporting.add(d.energyCost.mul(rate));
    }
    const unit = perDay.get(d.day);
    if (!unit) {
      if (d.workThs.gt(0)) a.missingNetworkDays++;
      continue;
    }
    // Gross here; the pool fee is a constant factor, applied once per period below.
    a.expectedExact = a.expectedExact.add(d.workThs.mul(unit.sat));
    a.expectedBlocks = a.expectedBlocks.add(d.workThs.mul(unit.blocks));
  }
}

/** What was received: income (by day from entries, by month from balances), solo blocks, foreign payouts. */
function addIncome(buckets: Buckets, s: Sources, q: ReconciliationQuery): Map<string, { at: Date; sat: bigint }[]> {
  const wanted = (siteId: string) => !q.siteId || siteId === q.siteId;
  s.monthStarts.slice(1).forEach((_, i) => {
    const day = s.monthStarts[i]!.toISOString().slice(0, 10);
    for (const [siteId, amounts] of s.incomeByMonth) {
      if (!wanted(siteId) || amounts[i] === 0n) continue;
      buckets.at(siteId, day).actualSat += amounts[i]!;
    }
  });
  for (const m of s.soloIncome.flat()) {
    if (!wanted(m.siteId)) continue;
    buckets.at(m.siteId, m.at.toISOString().slice(0, 10)).blocks += m.sat > 0n ? 1 : m.sat < 0n ? -1 : 0;
  }
  const receipts = new Map<string, { at: Date; sat: bigint }[]>();
  for (const m of s.income) {
    if (!wanted(m.siteId)) continue;
    const key = `${m.siteId}\u0000${bucketOf(m.at.toISOString().slice(0, 10), q.granularity)}`;
    receipts.set(key, [...(receipts.get(key) ?? []), m]);
    if (q.granularity !== 'day') continue; // by month, income came from the balances above
    const a = buckets.at(m.siteId, m.at.toISOString().slice(0, 10));
    a.actualSat += m.sat;
    a.blocks += m.sat > 0n ? 1 : m.sat < 0n ? -1 : 0;
  }
  for (const f of s.foreign) {
    if (!wanted(f.siteId)) continue;
    buckets.at(f.siteId, f.at.toISOString().slice(0, 10)).foreign++;
  }
  return receipts;
}

/** One site's bucket as a row: expected against actual, flags, cost per BTC, surplus. */
function toRow(
  a: Accumulator,
  q: ReconciliationQuery,
  site: Site | undefined,
  receipts: { at: Date; sat: bigint }[],
  marks: Sources['marks'],
): ReconciliationRowOut {
  const reportingPlaces = currencyPlaces(q.reportingCurrency);
  const arrangement: PoolArrangement = site
    ? arrangementOf(site)
    : { kind: 'pool', scheme: 'fpps', feeRate: new Dec(0) };
  const { start, end } = bucketBounds(a.bucket, q.granularity, q);
  const expectedSat = roundExpectedSat(netOfPoolFee(a.expectedExact, arrangement));
  const { flags, soloInterval } = flagPeriod(
    {
      arrangement,
      tolerance: site?.underpaymentTolerance ? new Dec(site.underpaymentTolerance) : null,
      workThs: a.workThs,
      energyKwh: a.energyKwh,
      expectedSat,
      expectedBlocks: a.expectedBlocks,
      actualSat: a.actualSat,
      actualBlocks: Math.max(0, a.blocks),
      periodEnd: end,
      foreignPayouts: a.foreign,
    },
    { asOf: q.asOf, missingPayoutDays: q.missingPayoutDays },
  );
  const costReporting = a.missingRates.size > 0 ? null : a.costReporting;
  const variance = a.actualSat - expectedSat;
  const perBtc = costReporting ? costPerBtc(costReporting, a.actualSat) : null;
  const breakEven = costReporting ? costPerBtc(costReporting, expectedSat) : null;
  const value = valueAtReceipt(receipts, marks);
  return {
    site: a.siteId,
    period: periodLabel(start, end, q.granularity),
    period_start: start.toISOString(),
    period_end: end.toISOString(),
    pool: site ? (site.poolKind === 'solo' ? 'solo' : site.poolScheme) : null,
    reports: a.reports,
    hashrate_ths: a.seconds.isZero() ? '0' : a.workThs.div(a.seconds).toDecimalPlaces(6, Dec.ROUND_HALF_EVEN).toFixed(),
    energy_kwh: a.energyKwh.toFixed(),
    efficiency_j_per_th: efficiencyJPerTh(a.energyKwh, a.workThs)?.toFixed(3) ?? null,
    energy_cost: [...a.costs]
      .sort()
      .map(([currency, amount]) => ({ currency, amount: amount.toFixed(currencyPlaces(currency)) })),
    energy_cost_reporting: {
      currency: q.reportingCurrency,
      amount: costReporting ? costReporting.toFixed(reportingPlaces) : null,
    },
    expected_sat: expectedSat.toString(),
    expected_btc: formatBtc(expectedSat),
    expected_blocks: a.expectedBlocks.toSignificantDigits(8).toFixed(),
    actual_sat: a.actualSat.toString(),
    actual_btc: formatBtc(a.actualSat),
    variance_sat: variance.toString(),
    variance_pct:
      expectedSat === 0n ? null : new Dec(variance.toString()).mul(100).div(expectedSat.toString()).toFixed(2),
    production_cost_per_btc: perBtc?.toFixed(reportingPlaces) ?? null,
    break_even_btc_price: breakEven?.toFixed(reportingPlaces) ?? null,
    solo_interval: soloInterval
      ? { lower: soloInterval.lower, upper: soloInterval.upper, level: soloInterval.level }
      : null,
    actual_blocks: arrangement.kind === 'solo' ? Math.max(0, a.blocks) : null,
    missing_network_days: a.missingNetworkDays,
    flags: [
      ...flags,
      ...[...a.missingRates].map((c) => ({
        code: 'no_fx_rate' as const,
        detail: `no ${c}/${q.reportingCurrency} rate at or before the period's days`,
      })),
    ],
    ...surplusFields(a.energyKwh, value, costReporting, reportingPlaces),
  };
}

/** Expected against received mining income per site and day or month, with flags and totals. */
export async function buildReconciliation(ctx: Ctx, q: ReconciliationQuery) {
  const sources = await readSources(ctx, q);
  const buckets = new Buckets(q.granularity);
  addProduction(buckets, sources, q);
  const receipts = addIncome(buckets, sources, q);
  const rows = buckets
    .sorted()
    .map((a) =>
      toRow(a, q, sources.sites.get(a.siteId), receipts.get(`${a.siteId}\u0000${a.bucket}`) ?? [], sources.marks),
    );
  await raiseUnderpayments(ctx, rows, sources.sites);
  return {
    from: q.from,
    to: q.to,
    granularity: q.granularity,
    reporting_currency: q.reportingCurrency,
    as_of: q.asOf.toISOString(),
    missing_payout_days: q.missingPayoutDays,
    rows,
    totals: totalsOf(rows, periodLabel(sources.from, sources.to, q.granularity), currencyPlaces(q.reportingCurrency)),
  };
}

export type Reconciliation = Awaited<ReturnType<typeof buildReconciliation>>;

/** The CSV: amounts and currencies in separate columns, a TOTAL row last (surplus.ts). */
export function reconciliationCsvRecords(r: Reconciliation): string[][] {
  return reconciliationCsv(r.rows, r.totals, r.reporting_currency);
}
