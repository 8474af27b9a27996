// Shared reads for the valuation and roll-forward reports, through other modules' services:
// the ledger (balances as of a time, mining receipts), price marks, FX and energy costs.
import type { Ctx } from '../context.js';
import { executor } from '../context.js';
import { iterateEntries, parseAccount, trialBalance, VAULT_PREFIX } from '../ledger/index.js';
import { Dec } from '../money/fiat.js';
import { dailyProduction, fxRateSeries, latestAt } from '../production/index.js';

/** Satoshis on each Assets:Bitcoin:<policy>:<Status> account at `asOf` (entries with occurred_at <= asOf). */
export async function bitcoinBalancesAt(
  ctx: Ctx,
  asOf: Date,
  knownAt?: Date,
): Promise<{ policyId: string; status: string; sat: bigint }[]> {
  const tb = await trialBalance(ctx, { asOf, knownAt });
  return tb.rows.flatMap((r) => {
    const account = parseAccount(r.account);
    if (r.commodity !== 'BTC' || account.kind !== 'vault' || (r.balance as bigint) === 0n) return [];
    return [{ policyId: account.policyId, status: account.state as string, sat: r.balance as bigint }];
  });
}

/** A ledger entry's effect on the reserve's bitcoin, classified for the roll-forward. */
export interface BitcoinMovement {
  at: Date;
  entryId: string;
  kind: string;
  /** Net satoshis into (positive) or out of (negative) Assets:Bitcoin, per policy. */
  byPolicy: Map<string, bigint>;
  /** The mining site whose income the entry moved, if any. */
  siteId: string | null;
}

/**
 * Every entry touching Assets:Bitcoin with occurred_at in [from, to), with its net effect; with
 * `knownAt`, only the entries recorded by then.
 */
export async function bitcoinMovements(
  ctx: Ctx,
  from: Date | undefined,
  to: Date,
  knownAt?: Date,
): Promise<BitcoinMovement[]> {
  const out: BitcoinMovement[] = [];
  for await (const entry of iterateEntries(ctx, { accountPrefix: VAULT_PREFIX, from, to, limit: 5000 })) {
    if (knownAt && entry.recordedAt > knownAt) continue;
    const byPolicy = new Map<string, bigint>();
    let siteId: string | null = null;
    for (const p of entry.postings) {
      if (p.commodity !== 'BTC') continue;
      const account = parseAccount(p.account);
      if (account.kind === 'vault') {
        byPolicy.set(account.policyId, (byPolicy.get(account.policyId) ?? 0n) + (p.amount as bigint));
      } else if (account.kind === 'mining_income') siteId = account.siteId;
    }
    for (const [k, v] of byPolicy) if (v === 0n) byPolicy.delete(k);
    if (byPolicy.size > 0) out.push({ at: entry.occurredAt, entryId: entry.id, kind: entry.kind, byPolicy, siteId });
  }
  return out;
}

/** Price marks of BTC in `currency` up to `to`, oldest first, for "latest at or before" lookups. */
export type Series = { at: Date; value: Dec; source: string }[];

export { latestAt };

/**
 * Energy cost per site in the reporting currency for production days before `to`, each day
 * converted at the latest rate at or before that day's end. Sites with an unconvertible day
 * are listed in `missingRates`.
 */
export async function energyCostBySiteIn(
  ctx: Ctx,
  currency: string,
  to: Date,
  from = new Date('2000-01-01T00:00:00Z'),
) {
  const db = executor(ctx);
  const days = await dailyProduction(db, {
    fromDay: from.toISOString().slice(0, 10),
    toDay: to.toISOString().slice(0, 10),
  });
  const series = new Map<string, { at: Date; rate: Dec }[]>();
  for (const c of new Set(days.map((d) => d.currency))) {
    if (c !== currency && c !== 'XXX') series.set(c, await fxRateSeries(db, c, currency, from, to));
  }
  const cost = new Map<string, Dec>();
  const missingRates = new Set<string>();
  for (const d of days) {
    if (d.energyCost.isZero()) continue;
    const dayEnd = new Date(new Date(`${d.day}T00:00:00Z`).getTime() + 86_400_000);
    const rate = d.currency === currency ? new Dec(1) : (latestAt(series.get(d.currency) ?? [], dayEnd)?.rate ?? null);
    if (!rate) {
      missingRates.add(d.siteId);
      continue;
    }
    cost.set(d.siteId, (cost.get(d.siteId) ?? new Dec(0)).add(d.energyCost.mul(rate)));
  }
  return { cost, missingRates };
}
