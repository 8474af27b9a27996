import type { Tx } from '../../db/client.js';
import { type ChainBlock, findBlock, readTip, type Tip } from './blocks.js';
import { parseHeaderHex } from './spv/index.js';
import { acceptHeader, bestHeader, ensureCheckpoint, followBest, recordSideBlock } from './tree.js';

// block.connected with its header: the header joins the tree, and the best chain (most work)
// decides which blocks are connected, whatever the events' timestamps say.

export interface HeaderMove {
  block: ChainBlock;
  before: Tip | null;
  after: Tip | null;
  /** Blocks whose connected state changed: their coins (and coinbases near the tip) may move. */
  changed: string[];
  /** The lowest height the move touched (the fork point, or the old tip). */
  lowestTip: number;
  reorg: { disconnected: string[]; connected: string[] } | null;
}

/** Under the exclusive chain lock: validate and store the header, follow the best chain. */
export async function connectHeader(
  tx: Tx,
  input: { hash: string; height: number; headerHex: string; eventId: string },
  nowSec = Math.floor(Date.now() / 1000),
): Promise<HeaderMove> {
  await ensureCheckpoint(tx);
  const tipBefore = await readTip(tx);
  const bestBefore = await bestHeader(tx);
  const { entry, isNew } = await acceptHeader(tx, input, nowSec);
  const bestAfter = (await bestHeader(tx))!;
  let changed: string[] = [];
  let lowest = tipBefore?.height ?? -1;
  let reorg: HeaderMove['reorg'] = null;
  if (bestBefore?.hash !== bestAfter.hash) {
    const path = await followBest(tx, bestBefore, bestAfter, input.eventId);
    changed = [...path.disconnected.map((b) => b.hash), ...path.connected.map((b) => b.hash)];
    lowest = Math.min(lowest, path.forkHeight);
    if (path.disconnected.length > 0)
      reorg = { disconnected: path.disconnected.map((b) => b.hash), connected: path.connected.map((b) => b.hash) };
  } else if (isNew) {
    const prev = parseHeaderHex(input.headerHex).prevHash;
    await recordSideBlock(tx, entry, prev, input.eventId);
  }
  const block = (await findBlock(tx, input.hash))!;
  return { block, before: tipBefore, after: await readTip(tx), changed, lowestTip: lowest, reorg };
}
