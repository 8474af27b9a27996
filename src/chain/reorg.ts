import type { Tx } from '../../db/client.js';
import { conflict } from '../errors.js';
import { type BlockEvent, type ChainBlock, findBlock, readTip, recordBlockEvent, type Tip } from './blocks.js';

// Applying a block event: the block's height is a fact (a second report must agree), its
// connected state a last-writer-wins register; the caller learns how far the tip moved, which
// bounds the coins whose state can change (coins.applyChainMove).

export interface ChainMove {
  block: ChainBlock;
  before: Tip | null;
  after: Tip | null;
  /** The lower of the tips before and after: coins above it minus maturity may change state. */
  lowestTip: number;
}

/** Refuses a block event that puts a known block at another height (409), before anything is written. */
export async function checkBlockHeight(tx: Tx, hash: string, height: number): Promise<void> {
  const existing = await findBlock(tx, hash);
  if (existing && existing.height !== height)
    throw conflict(`block ${hash} is at height ${existing.height}, not ${height}`);
}

/** Records the event (under the exclusive chain lock the caller holds) and reports the tip's move. */
export async function applyBlock(tx: Tx, event: BlockEvent): Promise<ChainMove> {
  const before = await readTip(tx);
  const block = await recordBlockEvent(tx, event);
  const after = await readTip(tx);
  return { block, before, after, lowestTip: Math.min(before?.height ?? -1, after?.height ?? -1) };
}
