// What the surplus earned, and the report's CSV: pure, no database.
// Per site and period: the energy in MWh, the BTC mined and its value at receipt (each receipt at
// the price mark in force at its time), revenue per MWh beside what that energy cost at the tariff
// and what it would have fetched at the site's export price, and the hours the grid curtailed it.
// Periods are half-open [start, end) and labelled by the range they really cover.
import { formatBtc } from '../money/btc.js';
import { Dec } from '../money/fiat.js';
import type { Flag } from './flags.js';
import type { PoissonInterval } from './poisson.js';

const SAT = new Dec(100_000_000);

/** "2026-03" for a whole month, "2026-03-05" for a whole day, else "2026-03-05/2026-03-08" ([start, end)). */
export function periodLabel(start: Date, end: Date, granularity: 'day' | 'month'): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const dayAfter = new Date(start.getTime() + 86_400_000);
  if (granularity === 'day' && end.getTime() === dayAfter.getTime()) return day(start);
  const monthAfter = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  if (granularity === 'month' && start.getUTCDate() === 1 && end.getTime() === monthAfter.getTime())
    return day(start).slice(0, 7);
  return `${day(start)}/${day(end)}`;
}

export interface Mark {
  at: Date;
  price: Dec;
}

/** The latest mark at or before `at` in a series sorted by time. */
export function markAt(marks: Mark[], at: Date): Mark | null {
  let lo = 0;
  let hi = marks.length - 1;
  let found: Mark | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]!.at <= at) {
      found = marks[mid]!;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Value of each receipt at its mark, summed; null when a receipt has no mark before it. The
 * satoshis are summed per mark first (exact: bigint), then each sum valued once.
 */
export function valueAtReceipt(
  receipts: { at: Date; sat: bigint }[],
  marks: Mark[],
  /** The mark found for each time (ms), shared by the calls over one series. */
  cache = new Map<number, Mark | null>(),
): Dec | null {
  const byMark = new Map<Mark, bigint>();
  for (const r of receipts) {
    let mark = cache.get(r.at.getTime());
    if (mark === undefined) cache.set(r.at.getTime(), (mark = markAt(marks, r.at)));
    if (!mark) return null;
    byMark.set(mark, (byMark.get(mark) ?? 0n) + r.sat);
  }
  let value = new Dec(0);
  for (const [mark, sat] of byMark) value = value.add(mark.price.mul(sat.toString()).div(SAT));
  return value;
}

/** What the energy would have earned instead: at the export price when the site has one, else at its tariff. */
export type AlternativeBasis = 'export_price' | 'tariff';

export interface SurplusFields {
  energy_mwh: string;
  mined_value_at_receipt: string | null;
  revenue_per_mwh: string | null;
  tariff_per_mwh: string | null;
  curtailed_hours: string | null;
  export_price_per_kwh: string | null;
  export_currency: string | null;
  export_value: string | null;
  export_per_mwh: string | null;
  alternative_basis: AlternativeBasis | null;
  alternative_value: string | null;
  alternative_per_mwh: string | null;
}

export interface SurplusInput {
  energyKwh: Dec;
  /** The BTC received, each receipt at its mark, in the reporting currency (null: a receipt without a mark). */
  valueAtReceipt: Dec | null;
  /** The energy at its tariff, in the reporting currency (null: a rate missing). */
  costReporting: Dec | null;
  /** The energy at the export price, in the reporting currency (null: no export price, or a rate missing). */
  exportValue: Dec | null;
  /** The site's export price as configured, in its own currency. */
  exportPrice: { perKwh: Dec; currency: string } | null;
  /** Hours curtailed, summed over the reports that say; null when none does. */
  curtailedHours: Dec | null;
}

export function surplusFields(input: SurplusInput, places: number): SurplusFields {
  const mwh = input.energyKwh.div(1000);
  const per = (v: Dec | null) => (v === null || mwh.isZero() ? null : v.div(mwh).toFixed(places));
  const basis: AlternativeBasis = input.exportPrice ? 'export_price' : 'tariff';
  const alternative = input.exportPrice ? input.exportValue : input.costReporting;
  return {
    energy_mwh: mwh.toFixed(),
    mined_value_at_receipt: input.valueAtReceipt?.toFixed(places) ?? null,
    revenue_per_mwh: per(input.valueAtReceipt),
    tariff_per_mwh: per(input.costReporting),
    curtailed_hours: input.curtailedHours?.toFixed() ?? null,
    export_price_per_kwh: input.exportPrice?.perKwh.toFixed() ?? null,
    export_currency: input.exportPrice?.currency ?? null,
    export_value: input.exportValue?.toFixed(places) ?? null,
    export_per_mwh: per(input.exportValue),
    alternative_basis: alternative === null ? null : basis,
    alternative_value: alternative?.toFixed(places) ?? null,
    alternative_per_mwh: per(alternative),
  };
}

/** One site's bucket of the reconciliation, before its surplus fields (report.ts builds it). */
export interface ReconciliationRow {
  site: string;
  period: string;
  period_start: string;
  period_end: string;
  pool: string | null;
  reports: number;
  hashrate_ths: string;
  energy_kwh: string;
  efficiency_j_per_th: string | null;
  energy_cost: { currency: string; amount: string }[];
  energy_cost_reporting: { currency: string; amount: string | null };
  expected_sat: string;
  expected_btc: string;
  expected_blocks: string;
  actual_sat: string;
  actual_btc: string;
  variance_sat: string;
  variance_pct: string | null;
  production_cost_per_btc: string | null;
  break_even_btc_price: string | null;
  solo_interval: Pick<PoissonInterval, 'lower' | 'upper' | 'level'> | null;
  actual_blocks: number | null;
  missing_network_days: number;
  flags: Flag[];
}

/** The fields of a row the CSV and the totals use. */
export type CsvRow = ReconciliationRow & SurplusFields;

export interface Totals {
  period: string;
  reports: number;
  energy_kwh: string;
  energy_mwh: string;
  energy_cost: { currency: string; amount: string }[];
  energy_cost_reporting: string | null;
  expected_sat: string;
  expected_btc: string;
  actual_sat: string;
  actual_btc: string;
  variance_sat: string;
  variance_pct: string | null;
  mined_value_at_receipt: string | null;
  revenue_per_mwh: string | null;
  tariff_per_mwh: string | null;
  curtailed_hours: string | null;
  export_value: string | null;
  export_per_mwh: string | null;
  alternative_basis: AlternativeBasis | 'mixed' | null;
  alternative_value: string | null;
  alternative_per_mwh: string | null;
}

/** Sum of the curtailed hours the rows state; null when none states any. */
function curtailedTotal(rows: CsvRow[]): string | null {
  const stated = rows.filter((r) => r.curtailed_hours !== null);
  return stated.length === 0 ? null : stated.reduce((s, r) => s.add(r.curtailed_hours!), new Dec(0)).toFixed();
}

/** Sums over every row; a value some row lacks (no rate, no mark) makes its total null, never a partial sum. */
export function totalsOf(rows: CsvRow[], period: string, places: number): Totals {
  const sumDec = (values: (string | null)[]) =>
    values.some((v) => v === null) ? null : values.reduce((s, v) => s.add(v!), new Dec(0));
  const energyKwh = rows.reduce((s, r) => s.add(r.energy_kwh), new Dec(0));
  const costs = new Map<string, Dec>();
  for (const r of rows)
    for (const c of r.energy_cost) costs.set(c.currency, (costs.get(c.currency) ?? new Dec(0)).add(c.amount));
  const expected = rows.reduce((s, r) => s + BigInt(r.expected_sat), 0n);
  const actual = rows.reduce((s, r) => s + BigInt(r.actual_sat), 0n);
  const cost = sumDec(rows.map((r) => r.energy_cost_reporting.amount));
  const value = sumDec(rows.map((r) => r.mined_value_at_receipt));
  const exportValue = sumDec(rows.map((r) => r.export_value));
  const alternative = sumDec(rows.map((r) => r.alternative_value));
  const mwh = energyKwh.div(1000);
  const per = (v: Dec | null) => (v === null || mwh.isZero() ? null : v.div(mwh).toFixed(places));
  const bases = new Set(rows.map((r) => r.alternative_basis));
  return {
    period,
    reports: rows.reduce((s, r) => s + r.reports, 0),
    energy_kwh: energyKwh.toFixed(),
    energy_mwh: mwh.toFixed(),
    energy_cost: [...costs]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, amount]) => ({
        currency,
        amount: amount.toFixed(),
      })),
    energy_cost_reporting: cost?.toFixed(places) ?? null,
    expected_sat: expected.toString(),
    expected_btc: formatBtc(expected),
    actual_sat: actual.toString(),
    actual_btc: formatBtc(actual),
    variance_sat: (actual - expected).toString(),
    variance_pct:
      expected === 0n ? null : new Dec((actual - expected).toString()).mul(100).div(expected.toString()).toFixed(2),
    mined_value_at_receipt: value?.toFixed(places) ?? null,
    revenue_per_mwh: per(value),
    tariff_per_mwh: per(cost),
    curtailed_hours: curtailedTotal(rows),
    export_value: rows.length === 0 ? null : (exportValue?.toFixed(places) ?? null),
    export_per_mwh: rows.length === 0 ? null : per(exportValue),
    alternative_basis: alternative === null || rows.length === 0 ? null : bases.size === 1 ? [...bases][0]! : 'mixed',
    alternative_value: alternative?.toFixed(places) ?? null,
    alternative_per_mwh: per(alternative),
  };
}

/**
 * The CSV: one column per energy cost currency (`energy_cost_BYN`), the reporting currency in a
 * column of its own, so that every amount column is a number a spreadsheet sums; a TOTAL row last.
 */
export function reconciliationCsv(rows: CsvRow[], totals: Totals, reportingCurrency: string): string[][] {
  const currencies = [...new Set(rows.flatMap((r) => r.energy_cost.map((c) => c.currency)))].sort();
  const header = [
    'site',
    'period',
    'period_start',
    'period_end',
    'pool',
    'reports',
    'hashrate_ths',
    'energy_kwh',
    'energy_mwh',
    'efficiency_j_per_th',
    ...currencies.map((c) => `energy_cost_${c}`),
    'energy_cost_reporting',
    'reporting_currency',
    'expected_sat',
    'expected_btc',
    'expected_blocks',
    'actual_sat',
    'actual_btc',
    'variance_sat',
    'variance_pct',
    'mined_value_at_receipt',
    'revenue_per_mwh',
    'tariff_per_mwh',
    'curtailed_hours',
    'export_price_per_kwh',
    'export_currency',
    'export_value',
    'export_per_mwh',
    'alternative_basis',
    'alternative_value',
    'alternative_per_mwh',
    'production_cost_per_btc',
    'break_even_btc_price',
    'solo_interval_lower',
    'solo_interval_upper',
    'actual_blocks',
    'missing_network_days',
    'flags',
  ];
  const cost = (list: { currency: string; amount: string }[], c: string) =>
    list.find((x) => x.currency === c)?.amount ?? '';
  const body = rows.map((r) => [
    r.site,
    r.period,
    r.period_start,
    r.period_end,
    r.pool ?? '',
    String(r.reports),
    r.hashrate_ths,
    r.energy_kwh,
    r.energy_mwh,
    r.efficiency_j_per_th ?? '',
    ...currencies.map((c) => cost(r.energy_cost, c)),
    r.energy_cost_reporting.amount ?? '',
    reportingCurrency,
    r.expected_sat,
    r.expected_btc,
    r.expected_blocks,
    r.actual_sat,
    r.actual_btc,
    r.variance_sat,
    r.variance_pct ?? '',
    r.mined_value_at_receipt ?? '',
    r.revenue_per_mwh ?? '',
    r.tariff_per_mwh ?? '',
    r.curtailed_hours ?? '',
    r.export_price_per_kwh ?? '',
    r.export_currency ?? '',
    r.export_value ?? '',
    r.export_per_mwh ?? '',
    r.alternative_basis ?? '',
    r.alternative_value ?? '',
    r.alternative_per_mwh ?? '',
    r.production_cost_per_btc ?? '',
    r.break_even_btc_price ?? '',
    r.solo_interval ? String(r.solo_interval.lower) : '',
    r.solo_interval ? String(r.solo_interval.upper) : '',
    r.actual_blocks === null ? '' : String(r.actual_blocks),
    String(r.missing_network_days),
    r.flags.map((f) => f.code).join('; '),
  ]);
  const t = totals;
  const total = [
    'TOTAL',
    t.period,
    '',
    '',
    '',
    String(t.reports),
    '',
    t.energy_kwh,
    t.energy_mwh,
    '',
    ...currencies.map((c) => cost(t.energy_cost, c)),
    t.energy_cost_reporting ?? '',
    reportingCurrency,
    t.expected_sat,
    t.expected_btc,
    '',
    t.actual_sat,
    t.actual_btc,
    t.variance_sat,
    t.variance_pct ?? '',
    t.mined_value_at_receipt ?? '',
    t.revenue_per_mwh ?? '',
    t.tariff_per_mwh ?? '',
    t.curtailed_hours ?? '',
    '',
    '',
    t.export_value ?? '',
    t.export_per_mwh ?? '',
    t.alternative_basis ?? '',
    t.alternative_value ?? '',
    t.alternative_per_mwh ?? '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ];
  return [header, ...body, total];
}
