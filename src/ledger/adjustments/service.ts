// Corrections with four eyes: an officer proposes, a different approver decides; an approval posts
// the entry in the same transaction as the decision and both audit rows name both people.
// The database holds the rule too (db/migrations/ledger/0008_adjustment_guards.sql).
import { and, asc, eq, gt, or } from 'drizzle-orm';
import type { Tx } from '../../../db/client.js';
import { ledgerAdjustments, ledgerEntries } from '../../../db/schema/ledger.js';
import { audit } from '../../audit/index.js';
import { type Actor, type Ctx, executor, type Verb, withTransaction } from '../../context.js';
import { conflict, DomainError, notFound } from '../../errors.js';
import { newId } from '../../ids.js';
import type { PostedEntry } from '../model.js';
import { getEntry, postEntry, reverseEntry } from '../service.js';
import {
  type AdjustmentState,
  DecideAdjustmentInput,
  fieldsError,
  postingsProblems,
  ProposeAdjustmentInput,
  toPostings,
  type WirePosting,
} from './model.js';

export type AdjustmentRow = typeof ledgerAdjustments.$inferSelect;

/** Who acts, as stored: the API key id (the person), else the role; and a name for people. */
function who(actor: Actor) {
  return { id: actor.keyId ?? actor.role, name: actor.name };
}

export async function proposeAdjustment({ ctx, input }: Verb<ProposeAdjustmentInput>): Promise<AdjustmentRow> {
  const parsed = ProposeAdjustmentInput.safeParse(input);
  if (!parsed.success)
    throw fieldsError(parsed.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })));
  const v = parsed.data;
  if (v.postings) {
    const problems = postingsProblems(v.kind, toPostings(v.postings));
    if (problems.length > 0) throw fieldsError(problems);
  }
  return withTransaction(ctx, async (tx) => {
    if (v.reverses_seq) await assertReversible(ctx, tx, BigInt(v.reverses_seq));
    const proposer = who(ctx.actor);
    const [row] = await tx
      .insert(ledgerAdjustments)
      .values({
        id: newId('adj'),
        kind: v.kind,
        state: 'proposed',
        reason: v.reason,
        reversesSeq: v.reverses_seq ? BigInt(v.reverses_seq) : null,
        postings: v.postings ?? null,
        occurredAt: v.occurred_at ? new Date(v.occurred_at) : null,
        proposedBy: proposer.id,
        proposedByName: proposer.name,
      })
      .returning();
    await audit(tx, ctx, {
      action: 'ledger.adjustment.propose',
      target: row!.id,
      details: { kind: v.kind, reason: v.reason, reverses_seq: v.reverses_seq ?? null, proposed_by: proposer },
    });
    return row!;
  });
}

async function assertReversible(ctx: Ctx, tx: Tx, seq: bigint) {
  const original = await getEntry({ ...ctx, tx }, { seq });
  if (!original) throw fieldsError([{ field: 'reverses_seq', reason: `ledger entry ${seq} does not exist` }]);
  const [pending] = await tx
    .select({ id: ledgerAdjustments.id })
    .from(ledgerAdjustments)
    .where(and(eq(ledgerAdjustments.reversesSeq, seq), eq(ledgerAdjustments.state, 'proposed')));
  if (pending) throw conflict(`entry ${seq} already has a pending reversal, ${pending.id}`);
  const [reversal] = await tx
    .select({ seq: ledgerEntries.seq })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.reversesSeq, seq));
  if (reversal) throw conflict(`entry ${seq} is already reversed by entry ${reversal.seq}`);
}

/**
 * Approves (posts the entry) or rejects a proposal, under a row lock so two approvers cannot both
 * post it. The approver must not be the proposer: a 403 here, a check constraint in the database.
 */
export async function decideAdjustment({ ctx, input }: Verb<DecideAdjustmentInput>) {
  const parsed = DecideAdjustmentInput.safeParse(input);
  if (!parsed.success)
    throw fieldsError(parsed.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })));
  const { id, decision } = parsed.data;
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.select().from(ledgerAdjustments).where(eq(ledgerAdjustments.id, id)).for('update');
    if (!row) throw notFound(`adjustment ${id}`);
    if (row.state !== 'proposed') throw conflict(`adjustment ${id} is already ${row.state}`, { state: row.state });
    const approver = who(ctx.actor);
    if (approver.id === row.proposedBy)
      throw new DomainError(
        'forbidden',
        `adjustment ${id} was proposed by this key; a different approver must decide it`,
      );
    const entry = decision === 'approve' ? await postAdjustment({ ...ctx, tx }, row, approver) : null;
    const state: AdjustmentState = entry ? 'posted' : 'rejected';
    const [updated] = await tx
      .update(ledgerAdjustments)
      .set({
        state,
        decidedBy: approver.id,
        decidedByName: approver.name,
        decidedAt: new Date(),
        entrySeq: entry?.seq ?? null,
      })
      .where(eq(ledgerAdjustments.id, id))
      .returning();
    await audit(tx, ctx, {
      action: `ledger.adjustment.${decision}`,
      target: id,
      details: {
        state,
        entry_seq: entry?.seq.toString() ?? null,
        proposed_by: { id: row.proposedBy, name: row.proposedByName },
        decided_by: approver,
      },
    });
    return updated!;
  });
}

function postAdjustment(ctx: Ctx, row: AdjustmentRow, approver: { id: string; name: string }): Promise<PostedEntry> {
  const names = `proposed by ${row.proposedByName} (${row.proposedBy}), approved by ${approver.name} (${approver.id})`;
  const source = { type: 'adjustment', id: row.id };
  const occurredAt = row.occurredAt ?? new Date();
  if (row.reversesSeq !== null) {
    return reverseEntry({
      ctx,
      input: {
        seq: row.reversesSeq,
        reason: `${row.reason} [${row.id} ${names}]`,
        source,
        kind: 'reversal',
        occurredAt,
      },
    });
  }
  const postings = toPostings(row.postings as WirePosting[]);
  return postEntry({
    ctx,
    input: {
      kind: row.kind === 'energy.payment' ? 'energy.payment' : 'adjustment',
      description: `${row.reason} [${row.id} ${names}]`.slice(0, 1000),
      occurredAt,
      source,
      postings,
    },
  });
}

/** A page of adjustments, oldest proposal first (keyset on proposed_at, id). */
export async function listAdjustments(
  ctx: Ctx,
  options: { state?: AdjustmentState; after?: { at: Date; id: string }; limit: number },
): Promise<AdjustmentRow[]> {
  const a = options.after;
  const conditions = [
    options.state ? eq(ledgerAdjustments.state, options.state) : undefined,
    a
      ? or(
          gt(ledgerAdjustments.proposedAt, a.at),
          and(eq(ledgerAdjustments.proposedAt, a.at), gt(ledgerAdjustments.id, a.id)),
        )
      : undefined,
  ].filter((c) => c !== undefined);
  return executor(ctx)
    .select()
    .from(ledgerAdjustments)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(ledgerAdjustments.proposedAt), asc(ledgerAdjustments.id))
    .limit(options.limit);
}

export async function getAdjustment(ctx: Ctx, id: string): Promise<AdjustmentRow | null> {
  const [row] = await executor(ctx).select().from(ledgerAdjustments).where(eq(ledgerAdjustments.id, id));
  return row ?? null;
}
