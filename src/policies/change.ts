import { and, eq, sql } from 'drizzle-orm';
import { policies, policyAddresses } from '../../db/schema/policies.js';
import { audit } from '../audit/index.js';
import { type Verb, withTransaction } from '../context.js';
import type { DerivedAddress } from '../custody/index.js';
import { conflict, notFound } from '../errors.js';
import { policyWallet } from './service.js';

// The next unused change address (chain 1) of a policy, issued under a label (a spend names its own):
// asking again with the same label returns the same address. The policy row is locked, so concurrent
// spends get distinct indexes. Used by spends for their change output.

export interface IssueChangeInput {
  policyId: string;
  label: string;
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
