import { eq, sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Tx } from '../../db/client.js';
import { chainBlocks, chainHeaders } from '../../db/schema/payouts.js';
import { invalid } from '../errors.js';
import { chainSettings } from './settings.js';
import type { ChainBlock } from './blocks.js';
import { type BlockHeader, type ChainEntry, chainParams, checkHeader, parseHeaderHex, SpvError } from './spv/index.js';
import { type BestTip, blockOf, type HeaderView } from './view.js';

export type { BestTip };

// The header tree: each header's proof of work and retarget bits checked against its parent's
// branch, stored with its cumulative work. The best chain ends at the most work (the first seen
// on a tie, as Core); chain_blocks.connected follows it, so a heavier branch reorganises by itself.
// Runs under the exclusive chain lock (the webhook takes it for block events).

interface HeaderRow {
  hash: string;
  height: number;
  prev_hash: string;
  time: string | number;
  bits: string | number;
  chainwork: string;
}

const toEntry = (r: HeaderRow): ChainEntry => ({
  height: Number(r.height),
  hash: r.hash,
  time: Number(r.time),
  bits: Number(r.bits),
  chainwork: BigInt(r.chainwork),
});

/** The checkpoint's header, inserted once (a no-op after). */
export async function ensureCheckpoint(tx: Executor): Promise<void> {
  const { checkpoint } = chainSettings();
  const e = checkpoint.entry;
  await tx
    .insert(chainHeaders)
    .values({
      hash: e.hash,
      height: e.height,
      prevHash: parseHeaderHex(checkpoint.headerHex).prevHash,
      headerHex: checkpoint.headerHex,
      time: e.time,
      bits: e.bits,
      chainwork: e.chainwork.toString(),
    })
    .onConflictDoNothing();
}

/** `count` headers ending at `hash`, walking prev_hash (the branch, not the best chain). */
async function branch(tx: Executor, hash: string, count: number): Promise<ChainEntry[]> {
  const rows = rowsOf<HeaderRow>(
    await tx.execute(sql`with recursive b(hash, height, prev_hash, time, bits, chainwork, n) as (
      select hash, height, prev_hash, time, bits, chainwork, 1 from chain_headers where hash = ${hash}
      union all
      select h.hash, h.height, h.prev_hash, h.time, h.bits, h.chainwork, b.n + 1
        from chain_headers h join b on h.hash = b.prev_hash where b.n < ${count})
      select hash, height, prev_hash, time, bits, chainwork from b`),
  );
  return rows.map(toEntry);
}

const refuseAs = (field: string) => (err: unknown) => {
  if (err instanceof SpvError) throw invalid(`data.${err.field === 'header_hex' ? field : err.field}`, err.reason);
  throw err;
};

/** The header of a block.connected, parsed and checked against its own hash (pure: refusals only). */
export function parseEventHeader(input: { hash: string; headerHex: string }): BlockHeader {
  let header: BlockHeader;
  try {
    header = parseHeaderHex(input.headerHex.toLowerCase());
  } catch (err) {
    return refuseAs('header_hex')(err);
  }
  if (header.hash !== input.hash)
    throw invalid('data.header_hex', `the header hashes to ${header.hash}, not data.hash`);
  return header;
}

/** How many headers behind a new one its checks read: the MTP window, or a retarget interval. */
export function lookbackOf(): number {
  const params = chainParams(chainSettings().rules);
  return params.noRetargeting ? 11 : params.interval + 1;
}

/** Checks a header new to the tree against its parent's branch (view.ancestors); refusals name the field. */
export function checkNewHeader(
  header: BlockHeader,
  input: { height: number },
  view: Pick<HeaderView, 'ancestors'>,
  nowSec: number,
): ChainEntry {
  const params = chainParams(chainSettings().rules);
  const parent = view.ancestors[0];
  if (!parent) {
    throw invalid('data.header_hex', `its parent ${header.prevHash} is not a known header: send the parent first`);
  }
  if (input.height !== parent.height + 1)
    throw invalid('data.height', `the parent is at ${parent.height}, so this header is at ${parent.height + 1}`);
  const byHeight = new Map(view.ancestors.map((a) => [a.height, a]));
  try {
    return checkHeader({ params, header, parent, ancestor: (h) => byHeight.get(h), nowSec });
  } catch (err) {
    return refuseAs('header_hex')(err);
  }
}

const headerValues = (entry: ChainEntry, header: BlockHeader) => ({
  hash: entry.hash,
  height: entry.height,
  prevHash: header.prevHash,
  headerHex: header.raw.toString('hex'),
  time: entry.time,
  bits: entry.bits,
  chainwork: entry.chainwork.toString(),
});

export async function insertHeader(tx: Tx, entry: ChainEntry, header: BlockHeader): Promise<void> {
  await tx.insert(chainHeaders).values(headerValues(entry, header));
}

/**
 * The common case in one statement: a header that extends the best chain by one block is stored
 * and its block connected (state time the header's time). Returns the block's row.
 */
export async function insertExtension(
  tx: Tx,
  entry: ChainEntry,
  header: BlockHeader,
  eventId: string,
): Promise<ChainBlock> {
  const at = new Date(entry.time * 1000).toISOString();
  const rows = rowsOf<Record<string, unknown>>(
    await tx.execute(sql`with h as (
        insert into chain_headers (hash, height, prev_hash, header_hex, time, bits, chainwork)
        values (${entry.hash}, ${entry.height}, ${header.prevHash}, ${header.raw.toString('hex')}, ${entry.time},
                ${entry.bits}, ${entry.chainwork.toString()}::numeric)
        returning hash)
      insert into chain_blocks (hash, height, prev_hash, connected, state_at, state_event_id)
      select hash, ${entry.height}, ${header.prevHash}, true, ${at}::timestamptz, ${eventId} from h
      on conflict (hash) do update set connected = true, state_at = excluded.state_at,
        state_event_id = excluded.state_event_id, prev_hash = excluded.prev_hash
      returning row_to_json(chain_blocks.*) as block`),
  );
  const block = rows[0]!.block;
  return blockOf((typeof block === 'string' ? JSON.parse(block) : block) as Record<string, unknown>);
}

export interface Reorg {
  /** Blocks that left the best chain (highest first) and joined it (lowest first). */
  disconnected: { hash: string; height: number }[];
  connected: { hash: string; height: number; time: number; prevHash: string }[];
  forkHeight: number;
}

/** The blocks between two best tips, back to their common ancestor. */
async function pathBetween(tx: Executor, from: BestTip | null, to: BestTip): Promise<Reorg> {
  const [tip] = await branch(tx, to.hash, 1);
  const [top] = await tx
    .select({ prevHash: chainHeaders.prevHash, time: chainHeaders.time })
    .from(chainHeaders)
    .where(eq(chainHeaders.hash, to.hash));
  // The common case: the new best extends the old one by a block.
  if (from && tip && top && top.prevHash === from.hash) {
    return {
      forkHeight: from.height,
      disconnected: [],
      connected: [{ hash: to.hash, height: to.height, time: tip.time, prevHash: top.prevHash }],
    };
  }
  const rows = rowsOf<HeaderRow & { side: string }>(
    await tx.execute(sql`with recursive a(hash, height, prev_hash, time, bits, chainwork, side) as (
      select hash, height, prev_hash, time, bits, chainwork, 'new' from chain_headers where hash = ${to.hash}
      union all
      select hash, height, prev_hash, time, bits, chainwork, 'old' from chain_headers where hash = ${from?.hash ?? to.hash} and ${from !== null}
      union all
      select h.hash, h.height, h.prev_hash, h.time, h.bits, h.chainwork, a.side
        from chain_headers h join a on h.hash = a.prev_hash
        where a.height > ${Math.max(0, Math.min(from?.height ?? 0, to.height) - 2100)})
      select * from a`),
  );
  const oldSide = new Map(rows.filter((r) => r.side === 'old').map((r) => [r.hash, r]));
  const newSide = rows.filter((r) => r.side === 'new').sort((x, y) => Number(y.height) - Number(x.height));
  const fork = from === null ? undefined : newSide.find((r) => oldSide.has(r.hash));
  if (from !== null && !fork) throw new Error('chain: the best chain moved more than 2,100 blocks deep');
  const forkHeight = fork ? Number(fork.height) : chainSettings().checkpoint.entry.height;
  return {
    forkHeight,
    disconnected: [...oldSide.values()]
      .filter((r) => Number(r.height) > forkHeight && !newSide.some((n) => n.hash === r.hash))
      .sort((x, y) => Number(y.height) - Number(x.height))
      .map((r) => ({ hash: r.hash, height: Number(r.height) })),
    connected: newSide
      .filter((r) => Number(r.height) > forkHeight)
      .reverse()
      .map((r) => ({ hash: r.hash, height: Number(r.height), time: Number(r.time), prevHash: r.prev_hash })),
  };
}

/**
 * Makes chain_blocks follow the best header chain after `after` became best (from `before`):
 * blocks off it disconnected (for good: ever_disconnected), blocks on it connected, their state
 * time the header's time (the block time income is booked at). The checkpoint is not a block.
 */
export async function followBest(tx: Tx, before: BestTip | null, after: BestTip, eventId: string): Promise<Reorg> {
  const reorg = await pathBetween(tx, before, after);
  for (const gone of reorg.disconnected) {
    await tx
      .update(chainBlocks)
      .set({ connected: false, everDisconnected: true, stateEventId: eventId })
      .where(eq(chainBlocks.hash, gone.hash));
  }
  const checkpointHeight = chainSettings().checkpoint.entry.height;
  for (const b of reorg.connected) {
    if (b.height <= checkpointHeight) continue;
    const at = new Date(b.time * 1000);
    await tx
      .insert(chainBlocks)
      .values({
        hash: b.hash,
        height: b.height,
        prevHash: b.prevHash,
        connected: true,
        stateAt: at,
        stateEventId: eventId,
      })
      .onConflictDoUpdate({
        target: chainBlocks.hash,
        set: { connected: true, stateAt: at, stateEventId: eventId, prevHash: b.prevHash },
      });
  }
  return reorg;
}

/** Records a side-branch block (not on the best chain) so its payouts can name it. */
export async function recordSideBlock(tx: Tx, entry: ChainEntry, prevHash: string, eventId: string): Promise<void> {
  await tx
    .insert(chainBlocks)
    .values({
      hash: entry.hash,
      height: entry.height,
      prevHash,
      connected: false,
      stateAt: new Date(entry.time * 1000),
      stateEventId: eventId,
    })
    .onConflictDoNothing();
}

/** The header of a block, for proving payouts against it. */
export async function headerOf(tx: Executor, hash: string): Promise<{ headerHex: string; height: number } | null> {
  const [row] = await tx
    .select({ headerHex: chainHeaders.headerHex, height: chainHeaders.height })
    .from(chainHeaders)
    .where(eq(chainHeaders.hash, hash));
  return row ?? null;
}
