// The bitcoin roll-forward of a period, in the shape ASU 2023-08 asks for: opening balance,
// additions (mining receipts, by site), reversals (orphaned coinbase receipts), dispositions,
// remeasurement gains and losses, closing balance; in BTC and in the reporting currency.
// Every figure is read from the ledger: entries touching Assets:Bitcoin with occurred_at in [from, to)
// (and, with known_at, recorded by then: the roll-forward as it could have been run at that time).
import type { Ctx } from '../context.js';
import { executor } from '../context.js';
import { reportCheckpoint } from '../ledger/index.js';
import { formatBtc } from '../money/btc.js';
import { currencyPlaces, Dec } from '../money/fiat.js';
import { priceMarkSeries, toPriceMarkView } from '../production/index.js';
import { bitcoinBalancesAt, bitcoinMovements, latestAt } from './valuation-sources.js';

const SAT = new Dec(100_000_000);
export const FORMULA =
  'opening + additions - reversals - dispositions + other_additions + remeasurement_gain_loss = closing';

export async function rollForward(ctx: Ctx, input: { from: Date; to: Date; currency: string; knownAt?: Date }) {
  const { from, to, currency, knownAt } = input;
  const places = currencyPlaces(currency);
  const [opening, closing, movements, marks, checkpoint] = await Promise.all([
    bitcoinBalancesAt(ctx, new Date(from.getTime() - 1), knownAt),
    bitcoinBalancesAt(ctx, new Date(to.getTime() - 1), knownAt),
    bitcoinMovements(ctx, from, to, knownAt),
    priceMarkSeries(executor(ctx), currency, to),
    reportCheckpoint(executor(ctx)),
  ]);
  const total = (rows: { sat: bigint }[]) => rows.reduce((s, r) => s + r.sat, 0n);
  const openingSat = total(opening);
  const closingSat = total(closing);
  // The marks holdings use as of `from` and as of `to` (at or before): a period closes at the
  // value the holdings report gives as of its end, and the next period opens at it.
  const openingMark = latestAt(marks, from);
  const closingMark = latestAt(marks, to);
  let unpriced = false;
  const valueAt = (sat: bigint, at: Date) => {
    const mark = latestAt(marks, at);
    if (!mark) unpriced = true;
    return mark ? mark.price.mul(sat.toString()).div(SAT) : new Dec(0);
  };

  const additions = new Map<string, { sat: bigint; value: Dec }>();
  let reversalsSat = 0n;
  let reversalsValue = new Dec(0);
  let dispositionsSat = 0n;
  let dispositionsValue = new Dec(0);
  let otherSat = 0n;
  let otherValue = new Dec(0);
  for (const m of movements) {
    const net = [...m.byPolicy.values()].reduce((s, v) => s + v, 0n);
    if (net === 0n) continue; // a reclassification between statuses or policies
    if (m.siteId && net > 0n) {
      const a = additions.get(m.siteId) ?? { sat: 0n, value: new Dec(0) };
      a.sat += net;
      a.value = a.value.add(valueAt(net, m.at));
      additions.set(m.siteId, a);
    } else if (m.siteId) {
      reversalsSat += -net;
      reversalsValue = reversalsValue.add(valueAt(-net, m.at));
    } else if (net < 0n) {
      dispositionsSat += -net;
      dispositionsValue = dispositionsValue.add(valueAt(-net, m.at));
    } else {
      otherSat += net;
      otherValue = otherValue.add(valueAt(net, m.at));
    }
  }
  const additionsSat = [...additions.values()].reduce((s, a) => s + a.sat, 0n);
  const additionsValue = [...additions.values()].reduce((s, a) => s.add(a.value), new Dec(0));
  // Valued as the holdings report values them: each policy and state at the mark, to the cent,
  // then summed, so the closing value is holdings' total as of `to` exactly. Nothing held is worth zero.
  const valued = (rows: { sat: bigint }[], sat: bigint, mark: typeof openingMark) =>
    sat === 0n
      ? new Dec(0)
      : mark
        ? rows.reduce((v, r) => v.add(mark.price.mul(r.sat.toString()).div(SAT).toFixed(places)), new Dec(0))
        : null;
  const openingValue = valued(opening, openingSat, openingMark);
  const closingValue = valued(closing, closingSat, closingMark);
  const priced = openingValue !== null && closingValue !== null && !unpriced;
  // What is left once the flows are valued at their own marks: the change in fair value.
  const remeasurement = priced
    ? closingValue!.sub(openingValue!).sub(additionsValue).add(reversalsValue).add(dispositionsValue).sub(otherValue)
    : null;
  const money = (d: Dec | null) => (priced && d ? d.toFixed(places) : null);
  const line = (sat: bigint, value: Dec | null) => ({
    amount_sat: sat.toString(),
    amount_btc: formatBtc(sat),
    value: money(value),
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    /** What the ledger had recorded by then (recorded_at); null: everything recorded so far. */
    known_at: knownAt?.toISOString() ?? null,
    currency,
    opening_mark: openingMark ? toPriceMarkView(openingMark) : null,
    closing_mark: closingMark ? toPriceMarkView(closingMark) : null,
    opening: line(openingSat, openingValue),
    additions: {
      ...line(additionsSat, additionsValue),
      by_site: [...additions]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([site, a]) => ({ site, ...line(a.sat, a.value) })),
    },
    // Positive amounts, subtracted as the formula says.
    reversals: line(reversalsSat, reversalsValue),
    dispositions: line(dispositionsSat, dispositionsValue),
    other_additions: line(otherSat, otherValue),
    remeasurement_gain_loss: { value: remeasurement?.toFixed(places) ?? null },
    closing: line(closingSat, closingValue),
    formula: FORMULA,
    check: {
      /** opening + additions - reversals - dispositions + other = closing, in satoshis. */
      balanced: openingSat + additionsSat - reversalsSat - dispositionsSat + otherSat === closingSat,
    },
    checkpoint,
  };
}
