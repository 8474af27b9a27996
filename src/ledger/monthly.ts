// Balances at the end of each month (UTC, valid time: occurred_at), summed by the database in one
// grouped query over the postings: what a chart of holdings over time needs without walking every
// entry. Months in which an account did not move are absent; its balance carries over.
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.js';
import { ledgerEntries, ledgerPostings } from '../../db/schema/ledger.js';
import { type Ctx, executor } from '../context.js';
import { type Amount, toAmount } from './service.js';

export interface MonthlyBalance {
  account: string;
  commodity: string;
  /** The month, `YYYY-MM` (UTC). */
  month: string;
  /** The month's net movement. */
  change: Amount;
  /** The balance at the end of the month: every posting up to it, from the first. */
  balance: Amount;
}

/**
 * Per account (the one named by `accountPrefix` or any below it) and commodity, the net movement
 * and the closing balance of each month with a movement, for entries that occurred before `to`
 * (default: all). Ordered by month, then account and commodity.
 */
export async function monthlyBalances(
  ctx: Ctx,
  options: { accountPrefix: string; commodity?: string; to?: Date },
): Promise<MonthlyBalance[]> {
  const p = ledgerPostings;
  const e = ledgerEntries;
  const prefix = options.accountPrefix;
  const rows = rowsOf<{ account: string; commodity: string; month: string; change: string; balance: string }>(
    await executor(ctx).execute(sql`
      select account, commodity, month, change::text as change,
        (sum(change) over (partition by account, commodity order by month))::text as balance
      from (
        select ${p.account} as account, ${p.commodity} as commodity,
          to_char(date_trunc('month', ${e.occurredAt} at time zone 'UTC'), 'YYYY-MM') as month,
          sum(coalesce(${p.amountSat}::numeric, ${p.amount})) as change
        from ${p} join ${e} on ${e.id} = ${p.entryId}
        where (${p.account} = ${prefix} or starts_with(${p.account}, ${`${prefix}:`}))
          ${options.commodity ? sql`and ${p.commodity} = ${options.commodity}` : sql``}
          ${options.to ? sql`and ${e.occurredAt} < ${options.to.toISOString()}::timestamptz` : sql``}
        group by 1, 2, 3
      ) monthly
      order by month, account, commodity`),
  );
  return rows.map((r) => ({
    account: r.account,
    commodity: r.commodity,
    month: r.month,
    change: toAmount(r.commodity, r.change),
    balance: toAmount(r.commodity, r.balance),
  }));
}
