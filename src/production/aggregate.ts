// Production summed per site and UTC day: what the reconciliation reads instead of the
// raw reports. One grouped scan, so a year of hourly reports for 100 sites stays fast.
import { sql } from 'drizzle-orm';
import { rowsOf, type Executor } from '../../db/client.js';
import { Dec } from '../money/fiat.js';

/** Shared by the rows that state no curtailment (Dec is immutable). */
const ZERO = new Dec(0);

export interface DailyProduction {
  siteId: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  currency: string;
  reports: number;
  /** Sum of hashrate x seconds (TH/s x s). */
  workThs: Dec;
  seconds: Dec;
  energyKwh: Dec;
  energyCost: Dec;
  /** Hours curtailed, summed over the reports that state it. */
  curtailedHours: Dec;
  /** How many of the reports state curtailed_hours (0: the fleet did not say). */
  curtailmentReports: number;
}

/**
 * Active (not superseded) production per site, day and energy currency, for days in
 * [fromDay, toDay), read from the trigger-maintained daily rollup. With `knownAt`, the reports as
 * Reserve knew them then, summed from the reports: received by then (created_at <= knownAt) and
 * not yet superseded then (no replacement received by then: judged on the replacement's
 * created_at, the column the original is judged on, so at any instant a correction counts one
 * report or the other, never both).
 */
export async function dailyProduction(
  db: Executor,
  q: { fromDay: string; toDay: string; siteId?: string; knownAt?: Date },
): Promise<DailyProduction[]> {
  const site = q.siteId ? sql`and site_id = ${q.siteId}` : sql``;
  const known = q.knownAt?.toISOString();
  const rows = rowsOf<{
    site_id: string;
    day: string;
    currency: string;
    reports: number;
    work: string;
    seconds: string;
    kwh: string;
    cost: string;
    curtailed: string;
    curtailment_reports: number;
  }>(
    await db.execute(
      known
        ? sql`
      select site_id, day::text as day, energy_currency as currency, count(*)::int as reports,
             sum(work_ths)::text as work, sum(extract(epoch from period_end - period_start))::bigint::text as seconds,
             sum(energy_kwh)::text as kwh, sum(energy_cost)::text as cost,
             coalesce(sum(curtailed_hours), 0)::text as curtailed, count(curtailed_hours)::int as curtailment_reports
        from production_reports r
       where created_at <= ${known}::timestamptz
         and not exists (select 1 from production_reports n
                          where n.id = r.superseded_by and n.created_at <= ${known}::timestamptz)
         and day >= ${q.fromDay}::date and day < ${q.toDay}::date ${site}
       group by site_id, day, energy_currency`
        : sql`
      select site_id, day::text as day, currency, reports, work_ths::text as work, seconds::text as seconds,
             energy_kwh::text as kwh, energy_cost::text as cost, curtailed_hours::text as curtailed, curtailment_reports
        from production_daily
       where reports > 0 and day >= ${q.fromDay}::date and day < ${q.toDay}::date ${site}`,
    ),
  );
  return rows.map((r) => ({
    siteId: r.site_id,
    day: r.day,
    currency: r.currency,
    reports: Number(r.reports),
    workThs: new Dec(r.work),
    seconds: new Dec(r.seconds),
    energyKwh: new Dec(r.kwh),
    energyCost: new Dec(r.cost),
    curtailedHours: Number(r.curtailment_reports) === 0 ? ZERO : new Dec(r.curtailed),
    curtailmentReports: Number(r.curtailment_reports),
  }));
}

/** The same sums straight from the reports (no rollup): what the rollup must always equal. */
export async function dailyProductionFromReports(db: Executor, q: { fromDay: string; toDay: string }) {
  return rowsOf<{
    site_id: string;
    day: string;
    currency: string;
    reports: number;
    work: string;
    seconds: string;
    kwh: string;
    cost: string;
  }>(
    await db.execute(sql`
      select site_id, day::text as day, energy_currency as currency, count(*)::int as reports,
             sum(work_ths)::text as work, sum(extract(epoch from period_end - period_start))::bigint::text as seconds,
             sum(energy_kwh)::text as kwh, sum(energy_cost)::text as cost
        from production_reports
       where superseded_by is null and day >= ${q.fromDay}::date and day < ${q.toDay}::date
       group by site_id, day, energy_currency
       order by 1, 2, 3`),
  );
}

/** Energy cost per site and currency for reports whose period starts in [from, to): the books' view. */
export async function energyCostBySite(db: Executor, from: Date, to: Date) {
  return rowsOf<{ site_id: string; currency: string; cost: string }>(
    await db.execute(sql`
      select site_id, energy_currency as currency, sum(energy_cost)::text as cost
        from production_reports
       where superseded_by is null and period_start >= ${from.toISOString()}::timestamptz and period_start < ${to.toISOString()}::timestamptz
       group by site_id, energy_currency`),
  ).map((r) => ({ siteId: r.site_id, currency: r.currency, cost: new Dec(r.cost) }));
}

/** FX rates base->quote observed in [from, to], plus the last one before `from`, oldest first. */
export async function fxRateSeries(db: Executor, base: string, quote: string, from: Date, to: Date) {
  const rows = rowsOf<{ base: string; rate: string; at: string | Date; source: string }>(
    await db.execute(sql`
      (select base, rate::text as rate, at, source from fx_rates
        where ((base = ${base} and quote = ${quote}) or (base = ${quote} and quote = ${base})) and at < ${from.toISOString()}::timestamptz
        order by at desc limit 2)
      union all
      (select base, rate::text as rate, at, source from fx_rates
        where ((base = ${base} and quote = ${quote}) or (base = ${quote} and quote = ${base})) and at >= ${from.toISOString()}::timestamptz and at <= ${to.toISOString()}::timestamptz)
      order by at`),
  );
  return rows.map((r) => ({
    at: new Date(r.at),
    // Stored the other way round: the exact inverse.
    rate: r.base === base ? new Dec(r.rate) : new Dec(1).div(new Dec(r.rate)),
    source: r.source,
  }));
}
