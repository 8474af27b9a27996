// The addresses listing (GET /v1/policies/{id}/addresses): one chain's derived addresses in index
// order, cursor-paginated like every other listing. It ends where the reserve's reach ends: gap_limit
// past the highest index it knows on that chain (issued, found paid or used), the same window the
// address look-up scans and a wallet importing the descriptor with that gap limit watches.
import { and, eq, sql } from 'drizzle-orm';
import { policyAddresses } from '../../db/schema/policies.js';
import { type Ctx, executor } from '../context.js';
import type { Chain } from '../custody/index.js';
import { notFound } from '../errors.js';
import { listAddresses } from './addresses.js';
import { findPolicy } from './service.js';

/** The highest index a derivation may have (BIP-32 unhardened). */
export const MAX_ADDRESS_INDEX = 0x7fffffff;

export interface AddressPageInput {
  policyId: string;
  chain: Chain;
  /** The first index of the page (the cursor's), 0 without one. */
  start: number;
  limit: number;
}

/** One page of the reach: `limit` addresses from `start`, and the next start while the reach goes on. */
export async function listAddressPage(ctx: Ctx, input: AddressPageInput) {
  const db = executor(ctx);
  const policy = await findPolicy(db, input.policyId);
  if (!policy) throw notFound(`policy ${input.policyId}`);
  const [highest] = await db
    .select({ index: sql<number>`coalesce(max(${policyAddresses.index}), -1)::int` })
    .from(policyAddresses)
    .where(and(eq(policyAddresses.policyId, policy.id), eq(policyAddresses.chain, input.chain)));
  const last = Math.min((highest?.index ?? -1) + policy.gapLimit, MAX_ADDRESS_INDEX);
  const count = Math.max(0, Math.min(input.limit, last - input.start + 1));
  const { items } =
    count > 0
      ? await listAddresses(ctx, { policyId: policy.id, chain: input.chain, from: input.start, count })
      : { items: [] };
  const next = input.start + count;
  return { policy, items, reachEnd: last, nextStart: count > 0 && next <= last ? next : null };
}
