import type { Tx } from '../../db/client.js';
import { type ChainBlock, findBlock, readTip, type Tip } from './blocks.js';
import { chainSettings } from './settings.js';
import type { BlockHeader } from './spv/index.js';
import {
  checkNewHeader,
  ensureCheckpoint,
  followBest,
  insertExtension,
  insertHeader,
  lookbackOf,
  parseEventHeader,
  recordSideBlock,
} from './tree.js';
import { type HeaderView, readHeaderView } from './view.js';

// block.connected with its header: the header joins the tree, and the best chain (most work)
// decides which blocks are connected, whatever the events' timestamps say.
//
// Round trips: what the header needs is read in one statement (readHeader: tip, best header,
// the header, its parent's branch, its block row); the common case, a header extending the best
// chain by one block, is then written in one more (the header and its connected block) and the
// tip after is decided in memory from the tip before. Was 17 statements, one after the other.

export interface HeaderMove {
  block: ChainBlock;
  before: Tip | null;
  after: Tip | null;
  /** Blocks whose connected state changed: their coins (and coinbases near the tip) may move. */
  changed: string[];
  /** Blocks that left the best chain (their settlements and coins go back). */
  disconnected: string[];
  /** The lowest height the move touched (the fork point, or the old tip). */
  lowestTip: number;
  reorg: { disconnected: string[]; connected: string[] } | null;
}

export interface HeaderInput {
  hash: string;
  height: number;
  headerHex: string;
  eventId: string;
}

/** A header parsed and what the tree knows around it: read once, before anything is written. */
export interface HeaderRead {
  header: BlockHeader;
  view: HeaderView;
}

/** Parses the header (422s) and reads the tree around it; the checkpoint is stored on the first use. */
export async function readHeader(tx: Tx, input: { hash: string; headerHex: string }): Promise<HeaderRead> {
  const header = parseEventHeader(input);
  const read = () =>
    readHeaderView(tx, {
      hash: header.hash,
      prevHash: header.prevHash,
      lookback: lookbackOf(),
      checkpointHash: chainSettings().checkpoint.entry.hash,
    });
  let view = await read();
  if (!view.hasCheckpoint) {
    await ensureCheckpoint(tx);
    view = await read();
  }
  return { header, view };
}

const tipOf = (t: HeaderView['tip']): Tip | null => (t ? { height: t.height, hash: t.hash } : null);

/** Under the exclusive chain lock: validate and store the header, follow the best chain. */
export async function connectHeader(
  tx: Tx,
  input: HeaderInput,
  nowSec = Math.floor(Date.now() / 1000),
  read?: HeaderRead,
): Promise<HeaderMove> {
  const { header, view } = read ?? (await readHeader(tx, input));
  const before = tipOf(view.tip);
  const unchanged = (block: ChainBlock | undefined): HeaderMove => ({
    block: block!,
    before,
    after: before,
    changed: [],
    disconnected: [],
    lowestTip: before?.height ?? -1,
    reorg: null,
  });
  if (view.known) return unchanged(view.block ?? (await findBlock(tx, input.hash)));
  const entry = checkNewHeader(header, input, view, nowSec);
  const best = view.best!; // the checkpoint at least (readHeader stored it)
  // The first seen wins a tie of work (as Core): a new header is best only with more work.
  if (entry.chainwork <= best.chainwork) {
    await insertHeader(tx, entry, header);
    await recordSideBlock(tx, entry, header.prevHash, input.eventId);
    return unchanged(view.block ?? (await findBlock(tx, input.hash)));
  }
  if (header.prevHash === best.hash) {
    const block = await insertExtension(tx, entry, header, input.eventId);
    // Only this block's row changed: it is the tip unless a connected block stands at or above
    // its height (none does while chain_blocks follows the tree; read again if one does).
    const after =
      before === null || before.height < block.height ? { height: block.height, hash: block.hash } : await readTip(tx);
    return {
      block,
      before,
      after,
      changed: [block.hash],
      disconnected: [],
      lowestTip: Math.min(before?.height ?? -1, best.height),
      reorg: null,
    };
  }
  // A heavier branch: walk both sides back to the fork.
  await insertHeader(tx, entry, header);
  const path = await followBest(
    tx,
    best,
    { hash: entry.hash, height: entry.height, chainwork: entry.chainwork },
    input.eventId,
  );
  const disconnected = path.disconnected.map((b) => b.hash);
  return {
    block: (await findBlock(tx, input.hash))!,
    before,
    after: await readTip(tx),
    changed: [...disconnected, ...path.connected.map((b) => b.hash)],
    disconnected,
    lowestTip: Math.min(before?.height ?? -1, path.forkHeight),
    reorg: disconnected.length > 0 ? { disconnected, connected: path.connected.map((b) => b.hash) } : null,
  };
}
