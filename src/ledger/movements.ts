// Movements of the accounts under a prefix, summed per account and valid time (occurred_at) by
// the database in one grouped query: what a report needs that values each movement at its own
// time (a receipt at the price mark in force then) without walking every entry and its postings.
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.js';
import { ledgerEntries, ledgerPostings } from '../../db/schema/ledger.js';
import { type Ctx, executor } from '../context.js';

export interface AccountMovement {
  account: string;
  /** The entries' occurred_at (valid time). */
  at: Date;
  /** Net of the postings at that time, satoshis. */
  amount: bigint;
  /** How many postings were debits (> 0) and credits (< 0). */
  debits: number;
  credits: number;
}

/**
 * BTC postings to `accountPrefix` or an account below it, of entries that occurred in [from, to),
 * per account and occurred_at, ordered by account then time; with `knownAt`, only the entries
 * recorded by then (recorded_at <= knownAt, the rule of trialBalance's knownAt).
 */
export async function accountMovements(
  ctx: Ctx,
  options: { accountPrefix: string; from: Date; to: Date; knownAt?: Date },
): Promise<AccountMovement[]> {
  const p = ledgerPostings;
  const e = ledgerEntries;
  const prefix = options.accountPrefix;
  const rows = rowsOf<{ account: string; at: string | Date; amount: string; debits: number; credits: number }>(
    await executor(ctx).execute(sql`
      select ${p.account} as account, ${e.occurredAt} as at, sum(${p.amountSat})::text as amount,
             (count(*) filter (where ${p.amountSat} > 0))::int as debits,
             (count(*) filter (where ${p.amountSat} < 0))::int as credits
        from ${p} join ${e} on ${e.id} = ${p.entryId}
       where (${p.account} = ${prefix} or starts_with(${p.account}, ${`${prefix}:`}))
         and ${p.commodity} = 'BTC'
         and ${e.occurredAt} >= ${options.from.toISOString()}::timestamptz
         and ${e.occurredAt} < ${options.to.toISOString()}::timestamptz
         ${options.knownAt ? sql`and ${e.recordedAt} <= ${options.knownAt.toISOString()}::timestamptz` : sql``}
       group by 1, 2
       order by 1, 2`),
  );
  return rows.map((r) => ({
    account: r.account,
    at: new Date(r.at),
    amount: BigInt(r.amount),
    debits: Number(r.debits),
    credits: Number(r.credits),
  }));
}
