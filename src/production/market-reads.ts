// Reading the valuation inputs back: BTC price marks, FX rates and network days as recorded,
// oldest first, a page at a time (keyset), so an auditor sees exactly what the reports used.
import { and, asc, eq, gt, gte, lt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { btcPriceMarks, fxRates, networkDaily } from '../../db/schema/production.js';
import { Dec } from '../money/fiat.js';

export interface TimeWindow {
  /** at >= from */
  from?: Date;
  /** at < to: half-open, as every period here */
  to?: Date;
}

type Keyset = { at: Date; id: bigint };

function window(column: typeof btcPriceMarks.at | typeof fxRates.at, w: TimeWindow): (SQL | undefined)[] {
  return [w.from ? gte(column, w.from) : undefined, w.to ? lt(column, w.to) : undefined];
}

export async function readPriceMarks(
  db: Executor,
  q: TimeWindow & { currency?: string; after?: Keyset; limit: number },
) {
  const t = btcPriceMarks;
  const conditions = [
    q.currency ? eq(t.currency, q.currency) : undefined,
    ...window(t.at, q),
    q.after ? or(gt(t.at, q.after.at), and(eq(t.at, q.after.at), gt(t.id, q.after.id))) : undefined,
  ].filter((c) => c !== undefined);
  const rows = await db
    .select()
    .from(t)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(t.at), asc(t.id))
    .limit(q.limit);
  return rows;
}

export async function readFxRates(
  db: Executor,
  q: TimeWindow & { base?: string; quote?: string; after?: Keyset; limit: number },
) {
  const t = fxRates;
  const conditions = [
    q.base ? eq(t.base, q.base) : undefined,
    q.quote ? eq(t.quote, q.quote) : undefined,
    ...window(t.at, q),
    q.after ? or(gt(t.at, q.after.at), and(eq(t.at, q.after.at), gt(t.id, q.after.id))) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select()
    .from(t)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(t.at), asc(t.id))
    .limit(q.limit);
}

export async function readNetworkDays(
  db: Executor,
  q: { from?: string; to?: string; afterDay?: string; limit: number },
) {
  const t = networkDaily;
  const conditions = [
    q.from ? gte(t.day, q.from) : undefined,
    q.to ? lt(t.day, q.to) : undefined,
    q.afterDay ? gt(t.day, q.afterDay) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select()
    .from(t)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(t.day))
    .limit(q.limit);
}

export type PriceMarkRow = Awaited<ReturnType<typeof readPriceMarks>>[number];
export type FxRateRow = Awaited<ReturnType<typeof readFxRates>>[number];
export type NetworkDayRow = Awaited<ReturnType<typeof readNetworkDays>>[number];

export const toPriceRowView = (r: PriceMarkRow) => ({
  currency: r.currency,
  price: new Dec(r.price).toFixed(),
  at: r.at.toISOString(),
  source: r.source,
  recorded_at: r.createdAt.toISOString(),
});

export const toRateRowView = (r: FxRateRow) => ({
  base: r.base,
  quote: r.quote,
  rate: new Dec(r.rate).toFixed(),
  at: r.at.toISOString(),
  source: r.source,
  recorded_at: r.createdAt.toISOString(),
});

export const toNetworkDayView = (r: NetworkDayRow) => ({
  day: r.day,
  difficulty: new Dec(r.difficulty).toFixed(),
  blocks: r.blocks,
  avg_subsidy_sat: r.avgSubsidySat.toString(),
  avg_fees_sat: new Dec(r.avgFeesSat).toFixed(),
  source: r.source,
  recorded_at: r.createdAt.toISOString(),
});
