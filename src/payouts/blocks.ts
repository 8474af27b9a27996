import type { Tx } from '../../db/client.js';
import { applyBlock, checkBlockHeight } from '../chain/index.js';
import { applyChainMove, coinClaimingOtherHeight, outpointOf, type PlannedEntry } from '../coins/index.js';
import { type Ctx, inTx } from '../context.js';
import { conflict } from '../http/problem.js';
import type { BlockData } from './events.js';

// block.connected and block.disconnected: the chain moves (chain/), and with it every coin whose
// state depends on it (coins/: its own block's fate, or a coinbase's distance from the tip).

export async function applyBlockEvent(
  ctx: Ctx,
  tx: Tx,
  event: { id: string; occurredAt: Date; connected: boolean; data: BlockData },
): Promise<{ result: Record<string, unknown>; entries: PlannedEntry[] }> {
  const { data } = event;
  await checkBlockHeight(tx, data.hash, data.height);
  const claimant = await coinClaimingOtherHeight(tx, data.hash, data.height);
  if (claimant)
    throw conflict(
      `payout ${outpointOf(claimant)} places block ${data.hash} at height ${claimant.blockHeight}, not ${data.height}`,
    );
  const { block, after, lowestTip } = await applyBlock(tx, {
    hash: data.hash,
    height: data.height,
    prevHash: data.prevHash,
    connected: event.connected,
    at: event.occurredAt,
    eventId: event.id,
  });
  const { moved, entries } = await applyChainMove({
    ctx: inTx(ctx, tx),
    input: {
      blockHash: data.hash,
      lowestTip,
      tipHeight: after?.height ?? null,
      why: {
        reason: `${event.connected ? 'block.connected' : 'block.disconnected'} ${data.height} ${data.hash}`,
        eventId: event.id,
        occurredAt: event.occurredAt,
      },
    },
  });
  const result = {
    block: {
      hash: block.hash,
      height: block.height,
      connected: block.connected,
      ever_disconnected: block.everDisconnected,
    },
    tip: after ? { height: after.height, hash: after.hash } : null,
    moved,
  };
  return { result, entries };
}
