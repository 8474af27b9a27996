import { type Ctx, executor } from '../context.js';
import { readTip } from './blocks.js';

/** The tip as the API shows it (nulls before any block). */
export async function getTip(ctx: Ctx): Promise<{ height: number | null; hash: string | null }> {
  const tip = await readTip(executor(ctx));
  return { height: tip?.height ?? null, hash: tip?.hash ?? null };
}
