import { ledgerChainHead } from '../../db/schema/ledger.js';
import type { Executor } from '../../db/client.js';

/** The last entry's sequence number (0 before the first), for /metrics: one row read. */
export async function ledgerHeadSeq(db: Executor): Promise<bigint> {
  const [head] = await db.select({ seq: ledgerChainHead.lastSeq }).from(ledgerChainHead);
  return head?.seq ?? 0n;
}
