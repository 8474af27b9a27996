// Holdings valued: per custody policy and status, the fair value at the latest price mark at or
// before as_of, the value at receipt, the production (energy) cost of the coins held, and the
// unrealized gain. Value at receipt and cost follow the average-cost method per policy: the
// policy's receipts (each at the mark of its time, each site's coins at that site's average
// energy cost per satoshi) scaled to the coins still held, then shared across statuses by satoshis.
import type { Ctx } from '../context.js';
import { executor } from '../context.js';
import { formatBtc } from '../money/btc.js';
import { currencyPlaces, Dec } from '../money/fiat.js';
import { priceMarkSeries, toPriceMarkView } from '../production/index.js';
import { bitcoinBalancesAt, bitcoinMovements, energyCostBySiteIn, latestAt } from './valuation-sources.js';

const SAT = new Dec(100_000_000);

export async function valueHoldings(ctx: Ctx, input: { asOf: Date; knownAt?: Date; currency: string }) {
  const { asOf, currency } = input;
  const places = currencyPlaces(currency);
  const end = new Date(asOf.getTime() + 1); // entries with occurred_at <= as_of
  const [balances, movements, marks, energy] = await Promise.all([
    bitcoinBalancesAt(ctx, asOf, input.knownAt),
    bitcoinMovements(ctx, undefined, end),
    priceMarkSeries(executor(ctx), currency, asOf),
    energyCostBySiteIn(ctx, currency, end),
  ]);
  const mark = marks[marks.length - 1] ?? null;

  // Mining receipts per policy: satoshis, value at receipt, and satoshis per site.
  const received = new Map<string, { sat: bigint; value: Dec; unpriced: bigint; bySite: Map<string, bigint> }>();
  const minedBySite = new Map<string, bigint>();
  for (const m of movements) {
    if (!m.siteId) continue;
    for (const [policyId, sat] of m.byPolicy) {
      const r = received.get(policyId) ?? { sat: 0n, value: new Dec(0), unpriced: 0n, bySite: new Map() };
      r.sat += sat;
      const at = latestAt(marks, m.at);
      if (at) r.value = r.value.add(at.price.mul(sat.toString()).div(SAT));
      else r.unpriced += sat;
      r.bySite.set(m.siteId, (r.bySite.get(m.siteId) ?? 0n) + sat);
      received.set(policyId, r);
      minedBySite.set(m.siteId, (minedBySite.get(m.siteId) ?? 0n) + sat);
    }
  }
  // Average energy cost per satoshi of each site, over everything it produced and was paid.
  const costPerSat = new Map<string, Dec | null>();
  for (const [siteId, sat] of minedBySite) {
    const cost = energy.cost.get(siteId);
    costPerSat.set(
      siteId,
      energy.missingRates.has(siteId) || sat <= 0n ? null : (cost ?? new Dec(0)).div(sat.toString()),
    );
  }

  const heldByPolicy = new Map<string, bigint>();
  for (const b of balances) heldByPolicy.set(b.policyId, (heldByPolicy.get(b.policyId) ?? 0n) + b.sat);

  const rows = balances
    .sort((a, b) =>
      a.policyId === b.policyId ? a.status.localeCompare(b.status) : a.policyId.localeCompare(b.policyId),
    )
    .map((b) => {
      const r = received.get(b.policyId);
      const held = heldByPolicy.get(b.policyId)!;
      // Share of the policy's receipts this status row stands for (average cost).
      const share = r && r.sat > 0n ? new Dec(b.sat.toString()).div(r.sat.toString()) : null;
      const fair = mark ? mark.price.mul(b.sat.toString()).div(SAT) : null;
      const atReceipt = share && r!.unpriced === 0n ? r!.value.mul(share) : null;
      let cost: Dec | null = share ? new Dec(0) : null;
      if (share) {
        for (const [siteId, sat] of r!.bySite) {
          if (sat === 0n) continue; // received and reversed: nothing of it is held
          const perSat = costPerSat.get(siteId);
          if (perSat === null || perSat === undefined) {
            cost = null;
            break;
          }
          cost = cost!.add(perSat.mul(sat.toString()).mul(share));
        }
      }
      return {
        policy_id: b.policyId,
        status: b.status,
        amount_sat: b.sat.toString(),
        amount_btc: formatBtc(b.sat),
        policy_held_sat: held.toString(),
        fair_value: fair?.toFixed(places) ?? null,
        value_at_receipt: atReceipt?.toFixed(places) ?? null,
        production_cost: cost?.toFixed(places) ?? null,
        unrealized_gain: fair && atReceipt ? fair.sub(atReceipt).toFixed(places) : null,
      };
    });
  const sum = (key: 'fair_value' | 'value_at_receipt' | 'production_cost' | 'unrealized_gain') =>
    rows.some((r) => r[key] === null) ? null : rows.reduce((s, r) => s.add(r[key]!), new Dec(0)).toFixed(places);
  const totalSat = balances.reduce((s, b) => s + b.sat, 0n);
  return {
    as_of: asOf.toISOString(),
    currency,
    price_mark: mark ? toPriceMarkView(mark) : null,
    method:
      'fair value at the latest mark at or before as_of; value at receipt and production cost by average cost per policy, shared across statuses by satoshis',
    holdings: rows,
    totals: {
      amount_sat: totalSat.toString(),
      amount_btc: formatBtc(totalSat),
      fair_value: sum('fair_value'),
      value_at_receipt: sum('value_at_receipt'),
      production_cost: sum('production_cost'),
      unrealized_gain: sum('unrealized_gain'),
    },
  };
}
