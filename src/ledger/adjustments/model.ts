// Corrections with four eyes: the proposal's wire shape and its conversion to ledger postings.
// Pure: no database, no HTTP. The ledger validates the postings again when the entry is posted.
import { z } from '@hono/zod-openapi';
import { DomainError } from '../../errors.js';
import { rfc3339, seqText } from '../../http/schemas.js';
import { entryProblems, LedgerDecimal, type Posting } from '../model.js';

export const ADJUSTMENT_KINDS = ['correction', 'energy.payment'] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];
export type AdjustmentState = 'proposed' | 'posted' | 'rejected';
export const MAX_ADJUSTMENT_POSTINGS = 100;

const decimalText = z.string().regex(/^-?\d{1,20}(\.\d{1,18})?$/, 'must be a decimal string such as "-1520.50"');
const satText = z.string().regex(/^-?\d{1,16}$/, 'must be an integer number of satoshis as a string');

const WireValuation = z.strictObject({ amount: decimalText, commodity: z.string() });

export const WirePosting = z
  .strictObject({
    account: z.string().openapi({ example: 'Liabilities:Energy:grid' }),
    commodity: z.string().openapi({ example: 'BYN' }),
    amount: decimalText.optional().openapi({ description: 'Signed decimal, for a fiat commodity' }),
    amount_sat: satText.optional().openapi({ description: 'Signed satoshis, for BTC' }),
    price: WireValuation.optional(),
    cost: WireValuation.optional(),
  })
  .openapi('AdjustmentPosting');
export type WirePosting = z.infer<typeof WirePosting>;

export const ProposeAdjustmentInput = z
  .strictObject({
    reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
    kind: z.enum(ADJUSTMENT_KINDS).default('correction').openapi({
      description: '`energy.payment`: paying an energy supplier (Liabilities:Energy:* against a fiat account)',
    }),
    reverses_seq: seqText.optional().openapi({ description: 'The entry to reverse; or give postings' }),
    postings: z.array(WirePosting).min(2).max(MAX_ADJUSTMENT_POSTINGS).optional(),
    occurred_at: rfc3339.optional().openapi({ description: 'Valid time of the entry; default the approval time' }),
  })
  .superRefine((v, ctx) => {
    if ((v.reverses_seq === undefined) === (v.postings === undefined))
      ctx.addIssue({ code: 'custom', path: ['reverses_seq'], message: 'give exactly one of reverses_seq or postings' });
    if (v.kind === 'energy.payment' && v.postings === undefined)
      ctx.addIssue({ code: 'custom', path: ['postings'], message: 'is required for an energy.payment' });
  })
  .openapi('ProposeAdjustment');
export type ProposeAdjustmentInput = z.input<typeof ProposeAdjustmentInput>;

export const DecideAdjustmentInput = z
  .strictObject({
    id: z.string().regex(/^adj_[0-9a-f]{20}$/, 'must be an adjustment id such as adj_0123456789abcdef0123'),
    decision: z.enum(['approve', 'reject']),
  })
  .openapi('DecideAdjustment');
export type DecideAdjustmentInput = z.input<typeof DecideAdjustmentInput>;

/** The ledger postings a proposal's wire postings stand for (amount_sat for BTC, amount for fiat). */
export function toPostings(wire: WirePosting[]): Posting[] {
  const errors = wire.flatMap((p, i) => {
    const btc = p.commodity === 'BTC';
    if (btc && p.amount_sat === undefined)
      return [{ field: `postings.${i}.amount_sat`, reason: 'is required for BTC' }];
    if (!btc && p.amount === undefined) return [{ field: `postings.${i}.amount`, reason: 'is required for fiat' }];
    if (btc && p.amount !== undefined)
      return [{ field: `postings.${i}.amount`, reason: 'BTC takes amount_sat, not amount' }];
    if (!btc && p.amount_sat !== undefined)
      return [{ field: `postings.${i}.amount_sat`, reason: 'only BTC takes amount_sat' }];
    return [];
  });
  if (errors.length > 0) throw fieldsError(errors);
  return wire.map((p) => ({
    account: p.account,
    commodity: p.commodity,
    amount: p.commodity === 'BTC' ? BigInt(p.amount_sat!) : new LedgerDecimal(p.amount!),
    price: p.price ? { amount: new LedgerDecimal(p.price.amount), commodity: p.price.commodity } : null,
    cost: p.cost ? { amount: new LedgerDecimal(p.cost.amount), commodity: p.cost.commodity } : null,
  }));
}

/** Why the postings are refused (the ledger's own rules, and for a supplier payment its shape), or nothing. */
export function postingsProblems(kind: AdjustmentKind, postings: Posting[]) {
  const errors = entryProblems({
    kind: 'adjustment',
    description: 'proposal',
    occurredAt: new Date(),
    source: { type: 'adjustment', id: 'proposal' },
    postings,
  });
  if (errors.length > 0 || kind !== 'energy.payment') return errors;
  // Paying a supplier settles what the energy entries owe: fiat only, a liability debited.
  const btc = postings.findIndex((p) => p.commodity === 'BTC');
  if (btc >= 0) return [{ field: `postings.${btc}.commodity`, reason: 'an energy.payment moves fiat, not BTC' }];
  const settles = postings.some(
    (p) =>
      p.account.startsWith('Liabilities:Energy:') &&
      typeof p.amount !== 'bigint' &&
      p.amount.isPositive() &&
      !p.amount.isZero(),
  );
  if (!settles)
    return [{ field: 'postings', reason: 'an energy.payment debits a Liabilities:Energy:<supplier> account' }];
  return [];
}

export function fieldsError(errors: { field: string; reason: string }[]): DomainError {
  return new DomainError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
}
