// What the reconciliation reads from other modules, through their services only:
// mining income from the ledger (so "actual" is what the books say), foreign-address alerts
// from the alerts service, production and market data from the production module.
import { listAlerts } from '../alerts/service.js';
import type { Ctx } from '../context.js';
import { iterateEntries } from '../ledger/service.js';
import { miningIncomeAccount } from '../production/ledger-port.js';

export interface IncomeMovement {
  siteId: string;
  at: Date;
  /** Satoshis of income: positive for a receipt, negative for its reversal (an orphaned coinbase). */
  sat: bigint;
}

const INCOME_PREFIX = 'Income:Mining';

/** Every movement of Income:Mining:<site> with occurred_at in [from, to). */
export async function miningIncome(ctx: Ctx, from: Date, to: Date): Promise<IncomeMovement[]> {
  const out: IncomeMovement[] = [];
  for await (const entry of iterateEntries(ctx, { accountPrefix: INCOME_PREFIX, from, to, limit: 5000 })) {
    for (const p of entry.postings) {
      if (p.commodity !== 'BTC' || !p.account.startsWith(`${INCOME_PREFIX}:`)) continue;
      // Income is a credit: a negative posting is money earned.
      out.push({ siteId: p.account.slice(INCOME_PREFIX.length + 1), at: entry.occurredAt, sat: -(p.amount as bigint) });
    }
  }
  return out;
}

export { miningIncomeAccount };

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
