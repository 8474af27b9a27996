import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Tx } from '../../db/client.js';
import { policies, policyAddresses } from '../../db/schema/policies.js';
import { audit } from '../audit/index.js';
import { type Ctx, type Verb, withTransaction } from '../context.js';
import type { Chain, DerivedAddress } from '../custody/index.js';
import { conflict, notFound } from '../errors.js';
import { policyWallet } from './service.js';

// The next unused change address (chain 1) of a policy, issued under a label (a spend names its own):
// asking again with the same label returns the same address. The policy row is locked, so concurrent
// spends get distinct indexes. Used by spends for their change output.

/**
 * Addresses the caller may hand out again (a spend's, whose spend ended without ever being broadcast: they never
 * appeared on chain), read by the caller's own query in the issuing transaction after the policy row's lock, so
 * that it sees every issue committed before. The lowest index still `issued` on the chain is taken.
 */
export type ReusableAddresses = (tx: Tx) => Promise<readonly string[]>;

export interface IssueChangeInput {
  policyId: string;
  label: string;
  reusable?: ReusableAddresses;
}

/**
 * Relabels the lowest-index address among `candidates` that is still issued and unused on that chain of the policy,
 * and returns its index; null when none is. Called with the policy row locked.
 */
export async function reuseAddress(
  ctx: Ctx,
  tx: Tx,
  at: { policyId: string; chain: Chain; reusable?: ReusableAddresses },
  label: { label: string; purpose: string | null },
): Promise<number | null> {
  if (!at.reusable) return null;
  const candidates = [...new Set(await at.reusable(tx))];
  if (candidates.length === 0) return null;
  const list = `{${candidates.join(',')}}`;
  const [row] = rowsOf<{ address: string; index: number; label: string }>(
    await tx.execute(sql`
    with pick as (
      select address, label from ${policyAddresses}
      where address = any(${list}::text[]) and policy_id = ${at.policyId} and chain = ${at.chain} and state = 'issued'
      order by index limit 1 for update)
    update ${policyAddresses} a set label = ${label.label}, purpose = ${label.purpose},
      issued_at = now(), issued_by = ${ctx.actor.keyId ?? ctx.actor.name}
    from pick where a.address = pick.address
    returning a.address, a.index, pick.label`),
  );
  if (!row) return null;
  await audit(tx, ctx, {
    action: 'policies.address.reuse',
    target: row.address,
    details: {
      policy_id: at.policyId,
      chain: at.chain,
      index: row.index,
      label: label.label,
      previous_label: row.label,
    },
  });
  return row.index;
}

export async function issueChangeAddress({ ctx, input }: Verb<IssueChangeInput>): Promise<DerivedAddress> {
  return withTransaction(ctx, async (tx) => {
    const [policy] = await tx.select().from(policies).where(eq(policies.id, input.policyId)).for('update');
    if (!policy) throw notFound(`policy ${input.policyId}`);
    if (!policy.active) throw conflict(`policy ${policy.id} is retired; it issues no new addresses`);
    const wallet = policyWallet(policy);
    const [existing] = await tx
      .select()
      .from(policyAddresses)
      .where(and(eq(policyAddresses.policyId, policy.id), eq(policyAddresses.label, input.label)));
    if (existing) {
      if (existing.chain !== 1)
        throw conflict(`label "${input.label}" already names a receive address of ${policy.id}`);
      return wallet.derive(1, existing.index);
    }
    const reused = await reuseAddress(
      ctx,
      tx,
      { policyId: policy.id, chain: 1, reusable: input.reusable },
      { label: input.label, purpose: null },
    );
    if (reused !== null) return wallet.derive(1, reused);
    const [next] = await tx
      .select({ index: sql<number>`coalesce(max(${policyAddresses.index}) + 1, 0)::int` })
      .from(policyAddresses)
      .where(and(eq(policyAddresses.policyId, policy.id), eq(policyAddresses.chain, 1)));
    const derived = wallet.derive(1, next?.index ?? 0);
    await tx.insert(policyAddresses).values({
      address: derived.address,
      policyId: policy.id,
      chain: 1,
      index: derived.index,
      scriptPubKey: Buffer.from(derived.scriptPubKey).toString('hex'),
      witnessScript: Buffer.from(derived.witnessScript).toString('hex'),
      state: 'issued',
      label: input.label,
      issuedAt: new Date(),
      issuedBy: ctx.actor.keyId ?? ctx.actor.name,
    });
    await audit(tx, ctx, {
      action: 'policies.change_address.issue',
      target: derived.address,
      details: { policy_id: policy.id, chain: 1, index: derived.index, label: input.label },
    });
    return derived;
  });
}
