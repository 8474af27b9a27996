import type { Executor } from '../../db/client.js';
import { findBlock, readTip } from './blocks.js';

/** The tip for /metrics: its height and when it became the tip (the fleet's event time). */
export async function tipForMetrics(db: Executor): Promise<{ height: number; at: Date | null } | null> {
  const tip = await readTip(db);
  if (!tip) return null;
  const block = await findBlock(db, tip.hash);
  return { height: tip.height, at: block?.stateAt ?? null };
}
