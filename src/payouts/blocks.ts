import type { Tx } from '../../db/client.js';
import {
  applyBlock,
  checkBlockHeight,
  connectHeader,
  findBlock,
  type HeaderMove,
  type HeaderRead,
  headerOf,
  readHeader,
  readTip,
} from '../chain/index.js';
import { applyChainMove, coinClaimingOtherHeight, outpointOf, type PlannedEntry } from '../coins/index.js';
import { type Ctx, inTx } from '../context.js';
import { conflict, invalid } from '../errors.js';
import type { BlockData } from './events.js';
import { resettleBlocks, unsettleBlocks } from '../spends/index.js';

// block.connected and block.disconnected: the chain moves (chain/), and with it every coin whose
// state depends on it (coins/: its own block's fate, or a coinbase's distance from the tip).

export async function applyBlockEvent(
  ctx: Ctx,
  tx: Tx,
  event: { id: string; occurredAt: Date; connected: boolean; data: BlockData },
): Promise<{ result: Record<string, unknown>; entries: PlannedEntry[] }> {
  const { data } = event;
  // block.connected: the payout that might contradict it and the header tree around it, read
  // together (pipelined on the transaction's connection); a disconnect reads the block alone.
  const headerHex = event.connected ? requireHeader(data) : null;
  const [claimant, read] = await Promise.all([
    coinClaimingOtherHeight(tx, data.hash, data.height),
    headerHex !== null ? readHeader(tx, { hash: data.hash, headerHex }) : undefined,
    event.connected ? undefined : checkBlockHeight(tx, data.hash, data.height),
  ]);
  const known = read?.view.block;
  if (known && known.height !== data.height)
    throw conflict(`block ${data.hash} is at height ${known.height}, not ${data.height}`);
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
  const tree = await chainMoveOf(tx, event, read);
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
  // Settlements of spends in blocks no longer connected go back first, while their coins are as
  // settled. Only a block that left the chain can have one to undo (unsettleBlocks skips the rest).
  const gone = tree ? tree.disconnected : block.connected ? [] : [data.hash];
  if (gone.length > 0)
    await unsettleBlocks({ ctx: inTx(ctx, tx), input: { blockHashes: gone, eventId: event.id, reason: why.reason } });
  // Blocks connected again by a reorg (a settled block can only come back so) have their undone
  // settlements applied again, in this transaction: no new tx.confirmed is needed.
  const back = tree?.reorg?.connected ?? [];
  if (back.length > 0)
    await resettleBlocks({ ctx: inTx(ctx, tx), input: { blockHashes: back, eventId: event.id, reason: why.reason } });
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

const requireHeader = (data: BlockData): string => {
  // events.ts requires header_hex on block.connected, on every network.
  if (!data.headerHex) throw invalid('data.header_hex', `is required: the 80-byte header of block ${data.hash}`);
  return data.headerHex;
};

async function chainMoveOf(
  tx: Tx,
  event: { id: string; connected: boolean; data: BlockData },
  read: HeaderRead | undefined,
): Promise<HeaderMove | null> {
  const { data } = event;
  if (event.connected) {
    const input = { hash: data.hash, height: data.height, headerHex: requireHeader(data), eventId: event.id };
    return connectHeader(tx, input, undefined, read);
  }
  if (await headerOf(tx, data.hash)) {
    const block = await findBlock(tx, data.hash);
    const tip = await readTip(tx);
    if (block)
      return {
        block,
        before: tip,
        after: tip,
        changed: [],
        disconnected: [],
        lowestTip: tip?.height ?? -1,
        reorg: null,
      };
  }
  return null;
}
