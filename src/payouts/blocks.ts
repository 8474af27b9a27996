import type { Tx } from '../../db/client.js';
import {
  applyBlock,
  checkBlockHeight,
  connectHeader,
  findBlock,
  type HeaderMove,
  headerOf,
  readTip,
} from '../chain/index.js';
import { applyChainMove, coinClaimingOtherHeight, outpointOf, type PlannedEntry } from '../coins/index.js';
import { type Ctx, inTx } from '../context.js';
import { conflict, invalid } from '../errors.js';
import type { BlockData } from './events.js';
import { unsettleBlocks } from '../spends/index.js';

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
  const why = {
    reason: `${event.connected ? 'block.connected' : 'block.disconnected'} ${data.height} ${data.hash}`,
    eventId: event.id,
    occurredAt: event.occurredAt,
  };
  // The header tree decides (most work); a disconnect of a block it knows is advisory. Only a
  // disconnect of a block it never saw is recorded as such (a payout naming it is then orphaned).
  const tree = await chainMoveOf(tx, event);
  const { block, after, lowestTip } = tree ?? {
    ...(await applyBlock(tx, {
      hash: data.hash,
      height: data.height,
      prevHash: data.prevHash,
      connected: event.connected,
      at: event.occurredAt,
      eventId: event.id,
    })),
  };
  const changed = tree ? tree.changed : [data.hash];
  // Settlements of spends in blocks no longer connected go back first, while their coins are as settled.
  await unsettleBlocks({ ctx: inTx(ctx, tx), input: { blockHashes: changed, eventId: event.id, reason: why.reason } });
  const moved: Awaited<ReturnType<typeof applyChainMove>>['moved'] = [];
  const entries: PlannedEntry[] = [];
  for (const blockHash of changed) {
    const move = await applyChainMove({
      ctx: inTx(ctx, tx),
      input: { blockHash, lowestTip, tipHeight: after?.height ?? null, why },
    });
    moved.push(...move.moved);
    entries.push(...move.entries);
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
  return { result: tree?.reorg ? { ...result, reorg: tree.reorg } : result, entries };
}

async function chainMoveOf(
  tx: Tx,
  event: { id: string; connected: boolean; data: BlockData },
): Promise<(HeaderMove & { advisory?: boolean }) | null> {
  const { data } = event;
  if (event.connected) {
    // events.ts requires header_hex on block.connected, on every network.
    if (!data.headerHex) throw invalid('data.header_hex', `is required: the 80-byte header of block ${data.hash}`);
    return connectHeader(tx, { hash: data.hash, height: data.height, headerHex: data.headerHex, eventId: event.id });
  }
  if (!event.connected && (await headerOf(tx, data.hash))) {
    const block = await findBlock(tx, data.hash);
    const tip = await readTip(tx);
    if (block) return { block, before: tip, after: tip, changed: [], lowestTip: tip?.height ?? -1, reorg: null };
  }
  return null;
}
