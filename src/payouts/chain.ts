import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { chainBlocks } from '../../db/schema/payouts.js';
import type { KnownBlock } from './lifecycle.js';

// Queries on the chain of blocks the fleet has told us about.

export type ChainBlock = typeof chainBlocks.$inferSelect;

export interface Tip {
  height: number;
  hash: string;
}

/** The highest connected block (on a tie, the one connected last). */
export async function readTip(db: Executor): Promise<Tip | null> {
  const [row] = await db
    .select({ height: chainBlocks.height, hash: chainBlocks.hash })
    .from(chainBlocks)
    .where(eq(chainBlocks.connected, true))
    .orderBy(desc(chainBlocks.height), desc(chainBlocks.stateAt), desc(chainBlocks.stateEventId))
    .limit(1);
  return row ?? null;
}

export async function findBlock(db: Executor, hash: string): Promise<ChainBlock | undefined> {
  const [row] = await db.select().from(chainBlocks).where(eq(chainBlocks.hash, hash));
  return row;
}

export function knownBlock(block: ChainBlock | undefined): KnownBlock | null {
  return block ? { height: block.height, connected: block.connected, everDisconnected: block.everDisconnected } : null;
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

export async function listBlocksAt(db: Executor, height: number): Promise<ChainBlock[]> {
  return db.select().from(chainBlocks).where(and(eq(chainBlocks.height, height)));
}
