import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

// The chain lock: whatever reads the tip to decide a coin's state takes it shared (payouts run
// side by side); whatever moves the tip takes it alone, so no coin is decided on a moving chain.

export const CHAIN_LOCK = 7307751;

export type ChainLockMode = 'shared' | 'exclusive';

/** The statement that takes the chain lock for the rest of the transaction. */
export function chainLockStatement(mode: ChainLockMode) {
  return mode === 'shared'
    ? sql`select pg_advisory_xact_lock_shared(${CHAIN_LOCK})`
    : sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`;
}

export async function acquireChainShared(tx: Executor): Promise<void> {
  await tx.execute(chainLockStatement('shared'));
}

export async function acquireChainExclusive(tx: Executor): Promise<void> {
  await tx.execute(chainLockStatement('exclusive'));
}
