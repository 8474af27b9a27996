import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { type ChainBlock, TIP_FILTER, type Tip } from './blocks.js';
import type { ChainEntry } from './spv/index.js';

// What a new header needs from the tree, in one round trip (a block.connected read six things
// one statement each: the tip, the best header twice, the header itself, its parent's branch and
// its block row). Runs under the exclusive chain lock, so nothing it read moves until commit.

export interface BestTip {
  hash: string;
  height: number;
  chainwork: bigint;
}

/** The tip with the columns that order it (TIP_FILTER), to decide the tip after a one-block move in memory. */
export interface OrderedTip extends Tip {
  stateAt: Date;
  stateEventId: string;
}

export interface HeaderView {
  tip: OrderedTip | null;
  best: BestTip | null;
  /** The header itself, when already in the tree. */
  known: ChainEntry | null;
  /** Up to `lookback` headers ending at the parent (the parent first), walking prev_hash. */
  ancestors: ChainEntry[];
  /** The block's chain_blocks row, when there is one. */
  block: ChainBlock | undefined;
  hasCheckpoint: boolean;
}

interface EntryJson {
  hash: string;
  height: number;
  time: number;
  bits: number;
  chainwork: string;
}

const json = <T>(value: unknown): T | null =>
  value === null || value === undefined ? null : ((typeof value === 'string' ? JSON.parse(value) : value) as T);

const toEntry = (r: EntryJson): ChainEntry => ({
  height: Number(r.height),
  hash: r.hash,
  time: Number(r.time),
  bits: Number(r.bits),
  chainwork: BigInt(r.chainwork),
});

/** One statement: the tip, the best header, the header `hash`, the branch ending at `prevHash`, the block row. */
export async function readHeaderView(
  tx: Executor,
  input: { hash: string; prevHash: string; lookback: number; checkpointHash: string },
): Promise<HeaderView> {
  // chainwork goes out as text (numeric(80)); the best header is ordered by the column itself,
  // qualified: an unqualified ORDER BY chainwork would sort the text alias ('9' above '10').
  const entry = sql`hash, height, time, bits, chainwork::text as chainwork`;
  const [row] = rowsOf<Record<string, unknown>>(
    await tx.execute(sql`select
      (select row_to_json(t) from (select hash, height, state_at, state_event_id from chain_blocks ${TIP_FILTER}) t) as tip,
      (select row_to_json(b) from (select h.hash, h.height, h.chainwork::text as chainwork from chain_headers h
        order by h.chainwork desc, h.received_at, h.hash limit 1) b) as best,
      (select row_to_json(k) from (select ${entry} from chain_headers where hash = ${input.hash}) k) as known,
      (select coalesce(json_agg(a order by a.height desc), '[]'::json) from (
        with recursive b(hash, height, prev_hash, time, bits, chainwork, n) as (
          select hash, height, prev_hash, time, bits, chainwork, 1 from chain_headers where hash = ${input.prevHash}
          union all
          select h.hash, h.height, h.prev_hash, h.time, h.bits, h.chainwork, b.n + 1
            from chain_headers h join b on h.hash = b.prev_hash where b.n < ${input.lookback})
        select ${entry} from b) a) as ancestors,
      (select row_to_json(c) from (select hash, height, prev_hash, connected, ever_disconnected, state_at, state_event_id,
        first_seen_at from chain_blocks where hash = ${input.hash}) c) as block,
      exists (select 1 from chain_headers where hash = ${input.checkpointHash}) as has_checkpoint`),
  );
  const tip = json<{ hash: string; height: number; state_at: string; state_event_id: string }>(row!.tip);
  const best = json<{ hash: string; height: number; chainwork: string }>(row!.best);
  const known = json<EntryJson>(row!.known);
  const block = json<Record<string, unknown>>(row!.block);
  return {
    tip: tip && {
      hash: tip.hash,
      height: Number(tip.height),
      stateAt: new Date(tip.state_at),
      stateEventId: tip.state_event_id,
    },
    best: best && { hash: best.hash, height: Number(best.height), chainwork: BigInt(best.chainwork) },
    known: known && toEntry(known),
    ancestors: (json<EntryJson[]>(row!.ancestors) ?? []).map(toEntry),
    block: block ? blockOf(block) : undefined,
    hasCheckpoint: row!.has_checkpoint === true || row!.has_checkpoint === 't',
  };
}

/** A chain_blocks row from its JSON (snake_case columns). */
export function blockOf(r: Record<string, unknown>): ChainBlock {
  return {
    hash: r.hash as string,
    height: Number(r.height),
    prevHash: (r.prev_hash as string | null) ?? null,
    connected: r.connected as boolean,
    everDisconnected: r.ever_disconnected as boolean,
    stateAt: new Date(r.state_at as string),
    stateEventId: r.state_event_id as string,
    firstSeenAt: new Date(r.first_seen_at as string),
  };
}
