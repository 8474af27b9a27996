import { eq, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { chainBlocks } from '../../db/schema/payouts.js';

// The chain of blocks the fleet has told us about: the only module that writes chain_blocks.

export type ChainBlock = typeof chainBlocks.$inferSelect;

export interface Tip {
  height: number;
  hash: string;
}

/** The tip and the blocks a caller names, read once (a group of payouts reads it once under the chain lock). */
export interface ChainView {
  tip: Tip | null;
  blocks: Map<string, ChainBlock | undefined>;
  /** The named blocks' headers in the tree (for their proofs), absent when not in it. */
  headers: Map<string, { headerHex: string; height: number }>;
}

/** The ONE definition of the tip: the highest connected block (on a tie, the one connected last). */
export const TIP_FILTER = sql`where connected order by height desc, state_at desc, state_event_id desc limit 1`;
const TIP = sql`select 'tip' as kind, hash, height, connected, ever_disconnected, state_at, null::text as header_hex
  from chain_blocks ${TIP_FILTER}`;

interface ChainRow {
  kind: string;
  hash: string;
  height: number;
  connected: boolean;
  ever_disconnected: boolean;
  state_at: string | Date;
  header_hex: string | null;
}

/**
 * The tip and (when hashes are given) those blocks and their headers, in one round trip. The
 * hashes go as one text[] parameter, so the statement's text is the same whatever their number
 * (prepared once per connection).
 */
export async function readChain(db: Executor, hashes: readonly string[] = []): Promise<ChainView> {
  const unique = [...new Set(hashes)];
  const named = sql`(select unnest(${`{${unique.join(',')}}`}::text[]))`;
  const query =
    unique.length === 0
      ? TIP
      : sql`(${TIP}) union all (select 'block' as kind, hash, height, connected, ever_disconnected, state_at, null
            from chain_blocks where hash in ${named})
          union all (select 'header' as kind, hash, height, null, null, null, header_hex
            from chain_headers where hash in ${named})`;
  const rows = rowsOf<ChainRow>(await db.execute(query));
  const t = rows.find((r) => r.kind === 'tip');
  const blocks = new Map<string, ChainBlock | undefined>(unique.map((h) => [h, undefined]));
  const headers = new Map<string, { headerHex: string; height: number }>();
  for (const b of rows) {
    if (b.kind === 'header') headers.set(b.hash, { headerHex: b.header_hex!, height: Number(b.height) });
    if (b.kind !== 'block') continue;
    blocks.set(b.hash, {
      hash: b.hash,
      height: Number(b.height),
      connected: b.connected,
      everDisconnected: b.ever_disconnected,
      stateAt: new Date(b.state_at),
    } as ChainBlock);
  }
  return { tip: t ? { height: Number(t.height), hash: t.hash } : null, blocks, headers };
}

export async function readTip(db: Executor): Promise<Tip | null> {
  return (await readChain(db)).tip;
}

export async function findBlock(db: Executor, hash: string): Promise<ChainBlock | undefined> {
  const [row] = await db.select().from(chainBlocks).where(eq(chainBlocks.hash, hash));
  return row;
}

export interface BlockEvent {
  hash: string;
  height: number;
  prevHash: string | null;
  connected: boolean;
  at: Date;
  eventId: string;
}

/**
 * Records a block event as a last-writer-wins register per block: the state changes only when
 * this event is newer (timestamp, then webhook-id) than the one that set it; `ever_disconnected`
 * is a one-way flag. Returns the row as it stands afterwards.
 */
export async function recordBlockEvent(tx: Executor, event: BlockEvent): Promise<ChainBlock> {
  const newer = sql`(excluded.state_at, excluded.state_event_id) > (${chainBlocks.stateAt}, ${chainBlocks.stateEventId})`;
  const [row] = await tx
    .insert(chainBlocks)
    .values({
      hash: event.hash,
      height: event.height,
      prevHash: event.prevHash,
      connected: event.connected,
      everDisconnected: !event.connected,
      stateAt: event.at,
      stateEventId: event.eventId,
    })
    .onConflictDoUpdate({
      target: chainBlocks.hash,
      set: {
        connected: sql`case when ${newer} then excluded.connected else ${chainBlocks.connected} end`,
        stateAt: sql`case when ${newer} then excluded.state_at else ${chainBlocks.stateAt} end`,
        stateEventId: sql`case when ${newer} then excluded.state_event_id else ${chainBlocks.stateEventId} end`,
        everDisconnected: sql`${chainBlocks.everDisconnected} or excluded.ever_disconnected`,
        prevHash: sql`coalesce(${chainBlocks.prevHash}, excluded.prev_hash)`,
      },
    })
    .returning();
  return row!;
}
