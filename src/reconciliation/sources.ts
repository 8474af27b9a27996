// What the reconciliation reads from other modules, through their services only:
// mining income from the ledger (so "actual" is what the books say), foreign-address alerts
// from the alerts service, production and market data from the production module.
import { listAlerts } from '../alerts/index.js';
import type { Ctx } from '../context.js';
import { accountMovements, MINING_INCOME_PREFIX, parseAccount } from '../ledger/index.js';

export interface IncomeMovement {
  siteId: string;
  /** Valid time: the entries' occurred_at (payout period, block time, event time). */
  at: Date;
  /** Satoshis of income: positive for a receipt, negative for its reversal (an orphaned coinbase). */
  sat: bigint;
  /** Receipts less reversals at that time: coinbases found, net of orphaned ones, for solo sites. */
  blocks: number;
}

/**
 * Income:Mining:<site> per site and occurred_at in [from, to), summed by the ledger in one grouped
 * read (not a walk of every payout entry); with `knownAt`, only entries recorded by then.
 */
export async function incomeMovements(ctx: Ctx, from: Date, to: Date, knownAt?: Date): Promise<IncomeMovement[]> {
  const out: IncomeMovement[] = [];
  for (const m of await accountMovements(ctx, { accountPrefix: MINING_INCOME_PREFIX, from, to, knownAt })) {
    const account = parseAccount(m.account);
    if (account.kind !== 'mining_income') continue;
    // Income is a credit: a credit posting is money earned, a debit its reversal.
    out.push({ siteId: account.siteId, at: m.at, sat: -m.amount, blocks: m.credits - m.debits });
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

/**
 * Payouts the fleet reported to an address no custody policy controls, raised in [from, to)
 * (and, with `knownAt`, by then: an alert is known when it is raised).
 */
export async function foreignPayouts(ctx: Ctx, from: Date, to: Date, knownAt?: Date): Promise<ForeignPayout[]> {
  const alerts = await listAlerts(ctx, { kind: FOREIGN_KIND, limit: MAX_ALERTS });
  return alerts
    .filter(
      (a) =>
        a.createdAt >= from &&
        a.createdAt < to &&
        (!knownAt || a.createdAt <= knownAt) &&
        typeof a.details.site_id === 'string',
    )
    .map((a) => ({ siteId: a.details.site_id as string, at: a.createdAt, address: String(a.details.address ?? '') }));
}
