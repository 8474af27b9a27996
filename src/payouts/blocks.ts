import type { Tx } from '../../db/client.js';
import type { Ctx } from '../context.js';
import { conflict } from '../http/problem.js';
import { findBlock, readTip, recordBlockEvent } from './chain.js';
import { coinClaimingOtherHeight, lockCoinsNearTip, moveCoin, outpointOf, type PlannedEntry } from './coins.js';
import type { BlockData } from './events.js';
import { statusOf, type UtxoStatus } from './lifecycle.js';

// block.connected and block.disconnected: the chain moves, and with it every coin whose state
// depends on it (its own block's fate, or a coinbase's distance from the tip).

export async function applyBlockEvent(
  ctx: Ctx,
  tx: Tx,
  event: { id: string; occurredAt: Date; connected: boolean; data: BlockData },
): Promise<{ result: Record<string, unknown>; entries: PlannedEntry[] }> {
  const { data } = event;
  const existing = await findBlock(tx, data.hash);
  if (existing && existing.height !== data.height)
    throw conflict(`block ${data.hash} is at height ${existing.height}, not ${data.height}`);
  const claimant = await coinClaimingOtherHeight(tx, data.hash, data.height);
  if (claimant)
    throw conflict(
      `payout ${outpointOf(claimant)} places block ${data.hash} at height ${claimant.blockHeight}, not ${data.height}`,
    );

  const before = await readTip(tx);
  const block = await recordBlockEvent(tx, {
    hash: data.hash,
    height: data.height,
    prevHash: data.prevHash,
    connected: event.connected,
    at: event.occurredAt,
    eventId: event.id,
  });
  const after = await readTip(tx);
  const lowestTip = Math.min(before?.height ?? -1, after?.height ?? -1);
  const moved: { outpoint: string; from: UtxoStatus; to: UtxoStatus }[] = [];
  const entries: PlannedEntry[] = [];
  for (const { coin, block: known } of await lockCoinsNearTip(tx, data.hash, lowestTip)) {
    const from = coin.status as UtxoStatus;
    const to = statusOf({ coinbase: coin.coinbase, blockHash: coin.blockHash }, known, after?.height ?? null);
    if (to === from) continue;
    const move = await moveCoin(ctx, tx, coin, from, to, {
      reason: `${event.connected ? 'block.connected' : 'block.disconnected'} ${data.height} ${data.hash}`,
      eventId: event.id,
      occurredAt: event.occurredAt,
    });
    entries.push(...move.entries);
    moved.push({ outpoint: outpointOf(coin), from, to });
  }
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
