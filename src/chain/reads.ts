import { and, desc, eq, lte } from 'drizzle-orm';
import { chainBlocks, chainHeaders } from '../../db/schema/payouts.js';
import { type Ctx, executor } from '../context.js';
import { readTip } from './blocks.js';

/** The tip as the API shows it (nulls before any block). */
export async function getTip(ctx: Ctx): Promise<{ height: number | null; hash: string | null }> {
  const tip = await readTip(executor(ctx));
  return { height: tip?.height ?? null, hash: tip?.hash ?? null };
}

/**
 * The tip as of `at` by valid time: the highest block of the best chain (as now known) whose header time is
 * at or before `at`; nulls before any. Blocks recorded without a header (before header_hex was required)
 * have no time and are not counted.
 */
export async function tipAsOf(ctx: Ctx, at: Date): Promise<{ height: number | null; hash: string | null }> {
  const [row] = await executor(ctx)
    .select({ hash: chainBlocks.hash, height: chainBlocks.height })
    .from(chainBlocks)
    .innerJoin(chainHeaders, eq(chainHeaders.hash, chainBlocks.hash))
    .where(and(eq(chainBlocks.connected, true), lte(chainHeaders.time, Math.floor(at.getTime() / 1000))))
    .orderBy(desc(chainBlocks.height))
    .limit(1);
  return { height: row?.height ?? null, hash: row?.hash ?? null };
}
