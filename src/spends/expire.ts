import type { SpendState } from '../../db/schema/spends.js';
import { audit } from '../audit/index.js';
import { releaseCoins } from '../coins/index.js';
import type { Ctx, Verb } from '../context.js';
import { dueForExpiry, lockSpend, type SpendRecord, setState } from './store.js';

// Ending a spend: its state, its coins released through the coins door (Locked back to Available in the
// ledger), an audit row. The trigger clears its inputs' live flag in the same statement.

export type EndState = Extract<SpendState, 'rejected' | 'cancelled' | 'expired' | 'invalidated'>;

export async function endSpend(
  ctx: Ctx,
  record: SpendRecord,
  state: EndState,
  why: string,
  options: { release?: boolean } = {},
) {
  const tx = ctx.tx!;
  const row = await setState(tx, record.spend.id, state, { endedAt: new Date() });
  if (options.release !== false) {
    await releaseCoins({
      ctx,
      input: {
        outpoints: record.inputs.map((i) => `${i.txid}:${i.vout}`),
        holder: record.spend.id,
        reason: `${state}: ${why}`.slice(0, 500),
      },
    });
  }
  await audit(tx, ctx, {
    action: `spends.${state}`,
    target: record.spend.id,
    details: { from: record.spend.state, reason: why },
  });
  return row;
}

export interface ExpireDueInput {
  policyId: string;
  /** The proposal's clock: spends whose expiry is at or before it end. */
  now: Date;
}

/**
 * Expires the vault's proposed spends past their time. Called inside a proposal, under the vault
 * lock, so it runs in ctx.tx (the caller's transaction, where that lock is held) and refuses without one.
 */
export async function expireDue({ ctx, input }: Verb<ExpireDueInput>): Promise<string[]> {
  const tx = ctx.tx;
  if (!tx) throw new Error('expireDue runs inside the transaction that holds the vault lock (ctx.tx)');
  const ids = await dueForExpiry(tx, input.policyId, input.now);
  for (const id of ids) {
    const record = await lockSpend(tx, id);
    await endSpend(ctx, record, 'expired', `not approved by ${record.spend.expiresAt.toISOString()}`);
  }
  return ids;
}
