// What the reconciliation reads from other modules, through their services only:
// mining income from the ledger (so "actual" is what the books say), foreign-address alerts
// from the alerts service, production and market data from the production module.
import { listAlerts } from '../alerts/index.js';
import type { Ctx } from '../context.js';
import {
  iterateEntries,
  MINING_INCOME_PREFIX,
  miningIncome as incomeAccount,
  parseAccount,
  trialBalance,
} from '../ledger/index.js';

export interface IncomeMovement {
  siteId: string;
  at: Date;
  /** Satoshis of income: positive for a receipt, negative for its reversal (an orphaned coinbase). */
  sat: bigint;
}

/** Every movement of Income:Mining:<site> with occurred_at in [from, to). */
export async function miningIncome(ctx: Ctx, from: Date, to: Date): Promise<IncomeMovement[]> {
  const out: IncomeMovement[] = [];
  for await (const entry of iterateEntries(ctx, { accountPrefix: MINING_INCOME_PREFIX, from, to, limit: 5000 })) {
    for (const p of entry.postings) {
      const account = parseAccount(p.account);
      if (p.commodity !== 'BTC' || account.kind !== 'mining_income') continue;
      // Income is a credit: a negative posting is money earned.
      out.push({ siteId: account.siteId, at: entry.occurredAt, sat: -(p.amount as bigint) });
    }
  }
  return out;
}

/**
 * Net mining income per site for each consecutive period between `boundaries` (ascending),
 * from the ledger's balances as of each boundary: one summing query per boundary instead of
 * reading every payout entry. Entry times are compared at millisecond precision.
 */
export async function miningIncomeBetween(ctx: Ctx, boundaries: Date[]): Promise<Map<string, bigint[]>> {
  const cumulative = await Promise.all(
    boundaries.map(async (b) => {
      const tb = await trialBalance(ctx, { asOf: new Date(b.getTime() - 1) });
      const bySite = new Map<string, bigint>();
      for (const row of tb.rows) {
        const account = parseAccount(row.account);
        if (row.commodity === 'BTC' && account.kind === 'mining_income')
          bySite.set(account.siteId, -(row.balance as bigint));
      }
      return bySite;
    }),
  );
  const sites = new Set(cumulative.flatMap((m) => [...m.keys()]));
  const out = new Map<string, bigint[]>();
  for (const site of sites) {
    out.set(
      site,
      boundaries.slice(1).map((_, i) => (cumulative[i + 1]!.get(site) ?? 0n) - (cumulative[i]!.get(site) ?? 0n)),
    );
  }
  return out;
}

/** Movements of one site's income account in [from, to): for counting solo blocks. */
export async function siteIncome(ctx: Ctx, siteId: string, from: Date, to: Date): Promise<IncomeMovement[]> {
  const out: IncomeMovement[] = [];
  for await (const entry of iterateEntries(ctx, {
    accountPrefix: incomeAccount(siteId),
    from,
    to,
    limit: 5000,
  })) {
    for (const p of entry.postings) {
      if (p.commodity === 'BTC' && p.account === incomeAccount(siteId))
        out.push({ siteId, at: entry.occurredAt, sat: -(p.amount as bigint) });
    }
  }
  return out;
}

export interface ForeignPayout {
  siteId: string;
  at: Date;
  address: string;
}

const FOREIGN_KIND = 'payout.foreign_address';
const MAX_ALERTS = 10_000;

/** Payouts the fleet reported to an address no custody policy controls, raised in [from, to). */
export async function foreignPayouts(ctx: Ctx, from: Date, to: Date): Promise<ForeignPayout[]> {
  const alerts = await listAlerts(ctx, { kind: FOREIGN_KIND, limit: MAX_ALERTS });
  return alerts
    .filter((a) => a.createdAt >= from && a.createdAt < to && typeof a.details.site_id === 'string')
    .map((a) => ({ siteId: a.details.site_id as string, at: a.createdAt, address: String(a.details.address ?? '') }));
}
