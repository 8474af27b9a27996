// The valuation inputs an export carries: every BTC price mark and FX rate into the reporting
// currency up to a time, one per UTC day (the day's last, as "latest at or before" reads it at the
// day's end), in the shape of beancount `price` directives.
import { and, asc, eq, lte, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { btcPriceMarks, fxRates } from '../../db/schema/production.js';
import { currencyPlaces, Dec } from '../money/fiat.js';

export interface DailyPrice {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** One whole unit of this commodity ... */
  commodity: string;
  /** ... is worth this many `currency`. */
  amount: string;
  currency: string;
}

/** Rates stored the other way round (USD/BYN when BYN is priced in USD) are inverted to 20 digits. */
const INVERSE_DIGITS = 20;

export async function dailyPrices(db: Executor, currency: string, until: Date): Promise<DailyPrice[]> {
  const marks = await db
    .select()
    .from(btcPriceMarks)
    .where(and(eq(btcPriceMarks.currency, currency), lte(btcPriceMarks.at, until)))
    .orderBy(asc(btcPriceMarks.at), asc(btcPriceMarks.source));
  const rates = await db
    .select()
    .from(fxRates)
    .where(and(or(eq(fxRates.quote, currency), eq(fxRates.base, currency)), lte(fxRates.at, until)))
    .orderBy(asc(fxRates.at), asc(fxRates.source));
  // At least the currency's places ("60000.00 USD"): beancount displays sums at the precision
  // most of a currency's numbers have, so whole-dollar marks would round every total to dollars.
  const places = currencyPlaces(currency);
  const text = (d: Dec) => d.toFixed(Math.max(places, d.decimalPlaces()));
  const byDay = new Map<string, DailyPrice>();
  const put = (at: Date, p: Omit<DailyPrice, 'day'>) => {
    const day = at.toISOString().slice(0, 10);
    byDay.set(`${day} ${p.commodity}`, { day, ...p }); // ascending order: the day's last one stays
  };
  for (const m of marks) put(m.at, { commodity: 'BTC', amount: text(new Dec(m.price)), currency });
  for (const r of rates) {
    const direct = r.quote === currency;
    const amount = direct ? new Dec(r.rate) : new Dec(1).div(new Dec(r.rate)).toSignificantDigits(INVERSE_DIGITS);
    put(r.at, { commodity: direct ? r.base : r.quote, amount: text(amount), currency });
  }
  return [...byDay.values()].sort((a, b) =>
    a.day === b.day ? (a.commodity < b.commodity ? -1 : 1) : a.day < b.day ? -1 : 1,
  );
}
