import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';

// What /metrics shows of the coins, read at scrape time: two grouped scans of utxos.

/** Coins held (not spent, withdrawn or orphaned) by vault and state, satoshis. */
export async function holdingsByVaultAndState(db: Executor): Promise<{ vault: string; state: string; sat: bigint }[]> {
  const rows = rowsOf<{ vault: string; state: string; sat: string }>(
    await db.execute(sql`select policy_id as vault, status as state, sum(amount_sat)::text as sat
      from utxos where status not in ('spent', 'withdrawn', 'orphaned') group by policy_id, status order by 1, 2`),
  );
  return rows.map((r) => ({ vault: r.vault, state: r.state, sat: BigInt(r.sat) }));
}

/** The latest payout received per site (when Reserve recorded it). */
export async function lastPayoutBySite(db: Executor): Promise<{ site: string; at: Date }[]> {
  const rows = rowsOf<{ site: string; at: string | Date }>(
    await db.execute(sql`select site_id as site, max(received_at) as at from utxos group by site_id order by 1`),
  );
  return rows.map((r) => ({ site: r.site, at: new Date(r.at) }));
}
