// FX rates, BTC price marks and daily network statistics: append-only observations.
// Sending the same observation again is a no-op; the same key with another value is a 409.
import { and, asc, desc, eq, gte, lte, sql } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import { type Executor, rowsOf } from '../../db/client.js';
import { btcPriceMarks, fxRates, networkDaily } from '../../db/schema/production.js';
import { audit } from '../audit/index.js';
import { type Verb, withTransaction } from '../context.js';
import { DomainError } from '../errors.js';
import { Dec } from '../money/fiat.js';
import type { NetworkDay } from './expected.js';
import type { NetworkBatchSchema, PricesBatchSchema, RatesBatchSchema } from './schemas.js';

const same = (a: string, b: string) => new Dec(a).eq(new Dec(b));

function duplicate(field: string, detail: string): DomainError {
  return new DomainError('conflict', detail, {
    errors: [{ field, reason: 'already recorded with a different value; observations are append-only' }],
  });
}

export async function recordRates({ ctx, input }: Verb<z.infer<typeof RatesBatchSchema>>) {
  return withTransaction(ctx, async (tx) => {
    let inserted = 0;
    for (const [i, r] of input.rates.entries()) {
      const at = new Date(r.at);
      const rows = await tx
        .insert(fxRates)
        .values({ base: r.base, quote: r.quote, rate: r.rate, at, source: r.source })
        .onConflictDoNothing()
        .returning({ id: fxRates.id });
      if (rows.length > 0) {
        inserted++;
        continue;
      }
      const [existing] = await tx
        .select()
        .from(fxRates)
        .where(
          and(eq(fxRates.base, r.base), eq(fxRates.quote, r.quote), eq(fxRates.at, at), eq(fxRates.source, r.source)),
        );
      if (!existing || !same(existing.rate, r.rate))
        throw duplicate(
          `rates.${i}.rate`,
          `rates.${i}: ${r.base}/${r.quote} at ${r.at} from ${r.source} is already recorded as ${existing ? new Dec(existing.rate).toFixed() : '?'}`,
        );
    }
    await audit(tx, ctx, { action: 'production.rates.record', details: { received: input.rates.length, inserted } });
    return { received: input.rates.length, inserted };
  });
}

export async function recordPrices({ ctx, input }: Verb<z.infer<typeof PricesBatchSchema>>) {
  return withTransaction(ctx, async (tx) => {
    let inserted = 0;
    for (const [i, p] of input.prices.entries()) {
      const at = new Date(p.at);
      const rows = await tx
        .insert(btcPriceMarks)
        .values({ currency: p.currency, price: p.price, at, source: p.source })
        .onConflictDoNothing()
        .returning({ id: btcPriceMarks.id });
      if (rows.length > 0) {
        inserted++;
        continue;
      }
      const [existing] = await tx
        .select()
        .from(btcPriceMarks)
        .where(
          and(eq(btcPriceMarks.currency, p.currency), eq(btcPriceMarks.at, at), eq(btcPriceMarks.source, p.source)),
        );
      if (!existing || !same(existing.price, p.price))
        throw duplicate(
          `prices.${i}.price`,
          `prices.${i}: BTC/${p.currency} at ${p.at} from ${p.source} is already recorded as ${existing ? new Dec(existing.price).toFixed() : '?'}`,
        );
    }
    await audit(tx, ctx, { action: 'production.prices.record', details: { received: input.prices.length, inserted } });
    return { received: input.prices.length, inserted };
  });
}

export async function recordNetworkDays({ ctx, input }: Verb<z.infer<typeof NetworkBatchSchema>>) {
  return withTransaction(ctx, async (tx) => {
    let inserted = 0;
    for (const [i, d] of input.days.entries()) {
      const rows = await tx
        .insert(networkDaily)
        .values({
          day: d.day,
          difficulty: d.difficulty,
          blocks: d.blocks,
          avgSubsidySat: BigInt(d.avg_subsidy_sat),
          avgFeesSat: d.avg_fees_sat,
          source: d.source,
        })
        .onConflictDoNothing()
        .returning({ day: networkDaily.day });
      if (rows.length > 0) {
        inserted++;
        continue;
      }
      const [existing] = await tx.select().from(networkDaily).where(eq(networkDaily.day, d.day));
      const identical =
        existing &&
        same(existing.difficulty, d.difficulty) &&
        existing.blocks === d.blocks &&
        existing.avgSubsidySat === BigInt(d.avg_subsidy_sat) &&
        same(existing.avgFeesSat, d.avg_fees_sat);
      if (!identical)
        throw duplicate(
          `days.${i}`,
          `days.${i}: network statistics of ${d.day} are already recorded with other values`,
        );
    }
    await audit(tx, ctx, { action: 'production.network.record', details: { received: input.days.length, inserted } });
    return { received: input.days.length, inserted };
  });
}

export interface PriceMark {
  currency: string;
  price: Dec;
  at: Date;
  source: string;
}

/** The latest BTC price mark in `currency` at or before `asOf`, or null. */
export async function priceMarkAt(db: Executor, currency: string, asOf: Date): Promise<PriceMark | null> {
  const [mark] = await db
    .select()
    .from(btcPriceMarks)
    .where(and(eq(btcPriceMarks.currency, currency), lte(btcPriceMarks.at, asOf)))
    .orderBy(desc(btcPriceMarks.at), asc(btcPriceMarks.source))
    .limit(1);
  return mark ? { currency: mark.currency, price: new Dec(mark.price), at: mark.at, source: mark.source } : null;
}

export interface FxRate {
  base: string;
  quote: string;
  /** 1 base = rate quote. */
  rate: Dec;
  at: Date;
  source: string;
  /** True when only the opposite quote exists and this is its exact inverse. */
  inverted: boolean;
}

/** The latest rate from `base` into `quote` at or before `asOf` (identity for the same currency). */
export async function fxRateAt(db: Executor, base: string, quote: string, asOf: Date): Promise<FxRate | null> {
  if (base === quote) return { base, quote, rate: new Dec(1), at: asOf, source: 'identity', inverted: false };
  const latest = async (b: string, q: string) =>
    (
      await db
        .select()
        .from(fxRates)
        .where(and(eq(fxRates.base, b), eq(fxRates.quote, q), lte(fxRates.at, asOf)))
        .orderBy(desc(fxRates.at), asc(fxRates.source))
        .limit(1)
    )[0];
  const direct = await latest(base, quote);
  const inverse = await latest(quote, base);
  if (direct && (!inverse || direct.at >= inverse.at))
    return { base, quote, rate: new Dec(direct.rate), at: direct.at, source: direct.source, inverted: false };
  if (inverse)
    return {
      base,
      quote,
      rate: new Dec(1).div(new Dec(inverse.rate)),
      at: inverse.at,
      source: inverse.source,
      inverted: true,
    };
  return null;
}

/** Network statistics of every recorded day in [fromDay, toDay], keyed by YYYY-MM-DD. */
export async function networkDays(db: Executor, fromDay: string, toDay: string): Promise<Map<string, NetworkDay>> {
  const rows = await db
    .select()
    .from(networkDaily)
    .where(and(gte(networkDaily.day, fromDay), lte(networkDaily.day, toDay)));
  return new Map(
    rows.map((r) => [
      r.day,
      { difficulty: new Dec(r.difficulty), subsidySat: r.avgSubsidySat, feesSat: new Dec(r.avgFeesSat) },
    ]),
  );
}

export const toPriceMarkView = (m: PriceMark) => ({
  currency: m.currency,
  price: m.price.toFixed(),
  at: m.at.toISOString(),
  source: m.source,
});

/** Every BTC price mark in `currency` at or before `asOf`, oldest first. */
export async function priceMarkSeries(db: Executor, currency: string, asOf: Date): Promise<PriceMark[]> {
  const rows = await db
    .select()
    .from(btcPriceMarks)
    .where(and(eq(btcPriceMarks.currency, currency), lte(btcPriceMarks.at, asOf)))
    .orderBy(asc(btcPriceMarks.at), desc(btcPriceMarks.source));
  return rows.map((m) => ({ currency: m.currency, price: new Dec(m.price), at: m.at, source: m.source }));
}

/**
 * The BTC mark in force at each time (the latest at or before it, as priceMarkSeries and
 * latestAt pick it), in `currency`, or null where none is: one statement for many times.
 */
export async function priceMarksAt(db: Executor, currency: string, times: Date[]): Promise<(PriceMark | null)[]> {
  if (times.length === 0) return [];
  const distinct = [...new Set(times.map((t) => t.toISOString()))];
  const rows = rowsOf<{ t: string | Date; price: string | null; at: string | Date | null; source: string | null }>(
    await db.execute(sql`select q.t, m.price::text as price, m.at, m.source
      from (values ${sql.join(
        distinct.map((t) => sql`(${t}::timestamptz)`),
        sql`, `,
      )}) as q(t)
      left join lateral (
        select price, at, source from btc_price_marks
        where currency = ${currency} and at <= q.t order by at desc, source asc limit 1) m on true`),
  );
  const byTime = new Map(
    rows.map((r) => [
      new Date(r.t).toISOString(),
      r.price === null ? null : { currency, price: new Dec(r.price), at: new Date(r.at!), source: r.source! },
    ]),
  );
  return times.map((t) => byTime.get(t.toISOString()) ?? null);
}
