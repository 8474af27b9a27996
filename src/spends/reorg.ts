import { and, asc, desc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { spendSettlements } from '../../db/schema/spends.js';
import { audit } from '../audit/index.js';
import { findBlock } from '../chain/index.js';
import { reopenSpend } from '../coins/index.js';
import type { Ctx, Verb } from '../context.js';
import { endSpend } from './expire.js';
import { resettle } from './settle.js';
import { liveSpendsHolding, lockSpend, setState } from './store.js';

// A reorg of a settling block (payouts' block events call this for every block whose state the event
// changed, before the coins follow the chain): each settlement in a block no longer connected is undone,
// latest first. The coins door reverses the settlement's entry and moves its coins back: the inputs to
// where they were spent from (locked by the spend, or available for a transaction outside Reserve), the
// vault outputs to `withdrawn` (never spent, off the chain until the transaction is confirmed again; a
// live spend holding one is invalidated first). A spend of Reserve's goes back to `broadcast`; a
// tx.confirmed in another block settles it again (settle.ts restores the withdrawn outputs there), and
// so does the same block connected again (resettleBlocks: the symmetric hook, no new event needed).

export interface UnsettleInput {
  blockHashes: readonly string[];
  eventId: string;
  reason: string;
}

export async function unsettleBlocks({ ctx, input }: Verb<UnsettleInput>): Promise<string[]> {
  const tx = ctx.tx!;
  const undone: string[] = [];
  for (const hash of new Set(input.blockHashes)) {
    const block = await findBlock(tx, hash);
    if (!block || block.connected) continue;
    const settled = await tx
      .select()
      .from(spendSettlements)
      .where(and(eq(spendSettlements.blockHash, hash), isNull(spendSettlements.undoneAt)))
      .orderBy(desc(spendSettlements.seq))
      .for('update');
    for (const row of settled) {
      await undo(ctx, row, input);
      undone.push(row.spendId ?? row.txid);
    }
  }
  return undone;
}

async function undo(ctx: Ctx, row: typeof spendSettlements.$inferSelect, input: UnsettleInput) {
  const tx = ctx.tx!;
  const why = `block ${row.blockHash} (${row.blockHeight}) left the best chain: ${input.reason}`.slice(0, 500);
  const outputs = row.vaultOutputs.map((o) => {
    const [txid, vout] = o.split(':') as [string, string];
    return { txid, vout: BigInt(vout) };
  });
  for (const id of await liveSpendsHolding(tx, outputs)) {
    await endSpend(ctx, await lockSpend(tx, id), 'invalidated', `its coin's transaction is unconfirmed again: ${why}`);
  }
  await reopenSpend({
    ctx,
    input: { spendId: row.holder, eventId: row.eventId, reason: why, withdraw: row.vaultOutputs },
  });
  await tx
    .update(spendSettlements)
    .set({ undoneAt: new Date(), undoneBy: input.eventId })
    .where(eq(spendSettlements.seq, row.seq));
  if (row.spendId) {
    await setState(tx, row.spendId, 'broadcast', { blockHash: null, blockHeight: null, confirmedAt: null });
  }
  await audit(tx, ctx, {
    action: 'spends.unconfirmed',
    target: row.spendId ?? row.txid,
    details: { txid: row.txid, block_hash: row.blockHash, block_height: row.blockHeight, event_id: input.eventId },
  });
}

/**
 * The symmetric hook, for the blocks a block event connected again (a fork, then the original branch
 * heavier again): each settlement a reorg undid in such a block is applied again from what was proven
 * the first time, in the block event's transaction, unless its transaction is settled in force
 * elsewhere meanwhile. Latest row per transaction, in the order they were first settled (a spend of
 * another's change after it). Called after unsettleBlocks, before the coins follow the chain.
 */
export async function resettleBlocks({ ctx, input }: Verb<UnsettleInput>): Promise<string[]> {
  const tx = ctx.tx!;
  const hashes = [...new Set(input.blockHashes)];
  // One statement for the whole reorg; a block with something to apply is then checked connected.
  const undone = await tx
    .select()
    .from(spendSettlements)
    .where(and(inArray(spendSettlements.blockHash, hashes), isNotNull(spendSettlements.undoneAt)))
    .orderBy(asc(spendSettlements.seq))
    .for('update');
  const latest = new Map<string, (typeof undone)[number]>();
  for (const row of undone) latest.set(row.txid, row);
  const connected = new Map<string, boolean>();
  const restored: string[] = [];
  for (const row of [...latest.values()].sort((a, b) => (a.seq < b.seq ? -1 : 1))) {
    if (!connected.has(row.blockHash)) connected.set(row.blockHash, !!(await findBlock(tx, row.blockHash))?.connected);
    if (!connected.get(row.blockHash)) continue;
    const [inForce] = await tx
      .select({ seq: spendSettlements.seq })
      .from(spendSettlements)
      .where(and(eq(spendSettlements.txid, row.txid), isNull(spendSettlements.undoneAt)))
      .limit(1);
    if (inForce) continue;
    if (await resettle(ctx, row, input.eventId)) restored.push(row.spendId ?? row.txid);
  }
  return restored;
}
