import { spendApprovals } from '../../db/schema/spends.js';
import { audit } from '../audit/index.js';
import { inTx, type Verb, withTransaction } from '../context.js';
import { validationError } from '../http/env.js';
import { DomainError } from '../errors.js';
import { endSpend } from './expire.js';
import { ApproveSpendInput, stateConflict } from './model.js';
import { lockSpend, type SpendRecord, setState } from './store.js';

// POST /v1/spends/:id/approvals: an approver approves or rejects what they saw, named by its digest.
// Not the proposer; one decision per key; a rejection ends the spend and releases its coins; the
// quorum is the policy version's `approvals` recorded at proposal time.

export async function approveSpend({ ctx, input }: Verb<{ id: string; body: unknown }>): Promise<SpendRecord> {
  const parsed = ApproveSpendInput.safeParse(input.body);
  if (!parsed.success) throw validationError(parsed.error);
  const body = parsed.data;
  const now = new Date();
  return withTransaction(ctx, async (tx) => {
    const record = await lockSpend(tx, input.id);
    const { spend } = record;
    if (spend.state !== 'proposed')
      throw stateConflict('state', `spend ${spend.id} is ${spend.state}; approvals are taken while it is proposed`, {
        state: spend.state,
      });
    if (spend.expiresAt <= now)
      throw stateConflict(
        'expired',
        `spend ${spend.id} expired at ${spend.expiresAt.toISOString()} without its approvals`,
        { expires_at: spend.expiresAt.toISOString() },
      );
    const keyId = ctx.actor.keyId;
    if (!keyId) throw new DomainError('forbidden', 'an approval is made with an API key');
    if (keyId === spend.proposedBy)
      throw new DomainError('forbidden', `the proposer of ${spend.id} may not approve it`, {
        extra: { rule: 'proposer_approval' },
      });
    if (record.approvals.some((a) => a.keyId === keyId))
      throw stateConflict('one_decision_per_key', `key ${keyId} has already decided on ${spend.id}`);
    if (body.digest !== spend.digest)
      throw stateConflict(
        'stale_digest',
        `the digest approved is not spend ${spend.id}'s: the approval binds to what was shown`,
        { digest: spend.digest, given: body.digest },
      );
    const [approval] = await tx
      .insert(spendApprovals)
      .values({
        spendId: spend.id,
        keyId,
        name: ctx.actor.name,
        decision: body.decision,
        digest: body.digest,
        comment: body.comment ?? null,
        at: now,
      })
      .returning();
    await audit(tx, ctx, {
      action: `spends.${body.decision}`,
      target: spend.id,
      details: { digest: body.digest, comment: body.comment ?? null },
    });
    if (body.decision === 'reject') {
      await endSpend(inTx(ctx, tx), record, 'rejected', `rejected by ${ctx.actor.name}`);
    } else {
      const approvals = record.approvals.filter((a) => a.decision === 'approve').length + 1;
      if (approvals >= spend.approvalsRequired) {
        await setState(tx, spend.id, 'approved', { approvedAt: now });
        await audit(tx, ctx, {
          action: 'spends.approved',
          target: spend.id,
          details: { approvals, required: spend.approvalsRequired },
        });
      }
    }
    void approval;
    return lockSpend(tx, spend.id);
  });
}
