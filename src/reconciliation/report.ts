// The reconciliation report: per site and period, what was produced, what it cost, what it
// should have earned and what the books say it earned, with flags; what the surplus earned.
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
import { type Accumulator, bucketBounds, Buckets, DAY_MS, dayStart, type Granularity } from './buckets.js';
import { flagPeriod } from './flags.js';
import { foreignPayouts, incomeMovements } from './sources.js';
import { priceMarkSeries } from '../production/index.js';
import {
  type Mark,
  periodLabel,
  type ReconciliationRow,
  reconciliationCsv,
  type SurplusFields,
  surplusFields,
  totalsOf,
  valueAtReceipt,
} from './surplus.js';

export type { Granularity };

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
  /**
   * What Reserve knew then: only ledger entries recorded by then (recorded_at <= knownAt, the
   * roll-forward's rule) and production reports received by then and not yet superseded then.
   */
  knownAt?: Date;
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
  const [daily, network, income, foreign, marks] = await Promise.all([
    dailyProduction(db, { fromDay: q.from, toDay: q.to, siteId: q.siteId, knownAt: q.knownAt }),
    networkDays(db, q.from, new Date(to.getTime() - DAY_MS).toISOString().slice(0, 10)),
    // Income per site and valid time, one grouped read: summed per bucket, each valued at its mark.
    incomeMovements(ctx, from, to, q.knownAt),
    foreignPayouts(ctx, from, to, q.knownAt),
    priceMarkSeries(db, q.reportingCurrency, to),
  ]);
  const currencies = new Set(daily.map((d) => d.currency));
  for (const s of sites.values()) if (s.exportCurrency) currencies.add(s.exportCurrency);
  const rates = new Map<string, { at: Date; rate: Dec }[]>();
  for (const currency of currencies) {
    if (currency !== q.reportingCurrency && currency !== 'XXX')
      rates.set(currency, await fxRateSeries(db, currency, q.reportingCurrency, from, to));
  }
  // Export prices parsed once per site, rates looked up once per currency and day (not per row).
  const exportPrices = new Map(
    [...sites.values()]
      .filter((s) => s.exportPricePerKwh !== null && s.exportCurrency)
      .map((s) => [s.id, { perKwh: new Dec(s.exportPricePerKwh!), currency: s.exportCurrency! }]),
  );
  return {
    from,
    to,
    sites,
    daily,
    network,
    income,
    foreign,
    marks,
    rates,
    exportPrices,
    dayRates: new Map<string, Dec | null>(),
    markCache: new Map<number, Mark | null>(),
  };
}

type Sources = Awaited<ReturnType<typeof readSources>>;

/** The rate of `currency` into the reporting currency at the end of `day` (latest at or before), or null. */
function rateAtDayEnd(s: Sources, q: ReconciliationQuery, currency: string, day: string): Dec | null {
  if (currency === q.reportingCurrency) return ONE;
  const key = `${currency}\u0000${day}`;
  let rate = s.dayRates.get(key);
  if (rate === undefined) {
    rate = latestAt(s.rates.get(currency) ?? [], new Date(dayStart(day).getTime() + DAY_MS))?.rate ?? null;
    s.dayRates.set(key, rate);
  }
  return rate;
}

const ONE = new Dec(1);

/** One production day's energy cost and export value, converted at that day's rate. */
function addMoney(a: Accumulator, d: Sources['daily'][number], s: Sources, q: ReconciliationQuery) {
  if (!d.energyCost.isZero()) {
    a.costs.set(d.currency, (a.costs.get(d.currency) ?? new Dec(0)).add(d.energyCost));
    const rate = rateAtDayEnd(s, q, d.currency, d.day);
    if (rate === null) a.missingRates.add(d.currency);
    else if (a.costReporting) a.costReporting = a.costReporting.add(d.energyCost.mul(rate));
  }
  const price = s.exportPrices.get(d.siteId);
  if (price) {
    const rate = rateAtDayEnd(s, q, price.currency, d.day);
    if (rate === null) a.missingExportRate = true;
    else a.exportValue = (a.exportValue ?? new Dec(0)).add(d.energyKwh.mul(price.perKwh).mul(rate));
  }
}

/** Production days: work, energy, curtailment, cost and export value, expected income. */
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
    a.curtailedHours = a.curtailedHours.add(d.curtailedHours);
    a.curtailmentReports += d.curtailmentReports;
    addMoney(a, d, s, q);
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

/** What was received, in the bucket of its valid time: income, coinbases found, foreign payouts. */
function addIncome(buckets: Buckets, s: Sources, q: ReconciliationQuery): void {
  const wanted = (siteId: string) => !q.siteId || siteId === q.siteId;
  // Receipts of many sites share their times (a pool's daily payout): each time's UTC day once.
  const days = new Map<number, string>();
  const dayOf = (at: Date) => {
    let day = days.get(at.getTime());
    if (day === undefined) days.set(at.getTime(), (day = at.toISOString().slice(0, 10)));
    return day;
  };
  for (const m of s.income) {
    if (!wanted(m.siteId)) continue;
    const a = buckets.at(m.siteId, dayOf(m.at));
    a.actualSat += m.sat;
    a.blocks += m.blocks;
    a.receipts.push(m);
  }
  for (const f of s.foreign) {
    if (!wanted(f.siteId)) continue;
    buckets.at(f.siteId, f.at.toISOString().slice(0, 10)).foreign++;
  }
}

/** The flags of a row: the period's own, then a missing rate for its cost or its export price. */
function rowFlags(
  a: Accumulator,
  q: ReconciliationQuery,
  site: Site | undefined,
  periodFlags: ReconciliationRow['flags'],
) {
  return [
    ...periodFlags,
    ...[...a.missingRates].map((c) => ({
      code: 'no_fx_rate' as const,
      detail: `no ${c}/${q.reportingCurrency} rate at or before the period's days`,
    })),
    ...(a.missingExportRate && !a.missingRates.has(site?.exportCurrency ?? '')
      ? [
          {
            code: 'no_fx_rate' as const,
            detail: `no ${site?.exportCurrency}/${q.reportingCurrency} rate at or before the period's days (export price)`,
          },
        ]
      : []),
  ];
}

/** One site's bucket as a row: expected against actual, flags, cost per BTC, surplus. */
function toRow(a: Accumulator, q: ReconciliationQuery, site: Site | undefined, s: Sources): ReconciliationRowOut {
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
    flags: rowFlags(a, q, site, flags),
    ...surplusFields(
      {
        energyKwh: a.energyKwh,
        valueAtReceipt: valueAtReceipt(a.receipts, s.marks, s.markCache),
        costReporting,
        exportValue: a.missingExportRate ? null : a.exportValue,
        exportPrice: s.exportPrices.get(a.siteId) ?? null,
        curtailedHours: a.curtailmentReports > 0 ? a.curtailedHours : null,
      },
      reportingPlaces,
    ),
  };
}

/** Expected against received mining income per site and day or month, with flags and totals. */
export async function buildReconciliation(ctx: Ctx, q: ReconciliationQuery) {
  const sources = await readSources(ctx, q);
  const buckets = new Buckets(q.granularity);
  addProduction(buckets, sources, q);
  addIncome(buckets, sources, q);
  const rows = buckets.sorted().map((a) => toRow(a, q, sources.sites.get(a.siteId), sources));
  // Alerts are raised on what is known now, never on a look back at an earlier known_at.
  if (!q.knownAt) await raiseUnderpayments(ctx, rows, sources.sites);
  return {
    from: q.from,
    to: q.to,
    granularity: q.granularity,
    reporting_currency: q.reportingCurrency,
    as_of: q.asOf.toISOString(),
    known_at: q.knownAt?.toISOString() ?? null,
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
