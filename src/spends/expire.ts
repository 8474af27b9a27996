import type { SpendState } from '../../db/schema/spends.js';
import { audit } from '../audit/index.js';
import { releaseCoins } from '../coins/index.js';
import type { Ctx } from '../context.js';
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

/** Expires the vault's proposed spends past their time (called inside a proposal, under the vault lock). */
export async function expireDue(ctx: Ctx, policyId: string, now: Date): Promise<string[]> {
  const ids = await dueForExpiry(ctx.tx!, policyId, now);
  for (const id of ids) {
    const record = await lockSpend(ctx.tx!, id);
    await endSpend(ctx, record, 'expired', `not approved by ${record.spend.expiresAt.toISOString()}`);
  }
  return ids;
}
