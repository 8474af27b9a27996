import { z } from '@hono/zod-openapi';
import { conflict, DomainError } from '../errors.js';
import { AmountError, parseBtcAmount, parseSatAmount } from '../money/btc.js';

// Wire inputs of the spend verbs (zod, shared by the routes' OpenAPI document) and the refusals.

export const SPEND_ID = /^spd_[0-9a-f]{20}$/;
const POLICY_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const TXID = /^[0-9a-f]{64}$/;
/** A disposition account: expenses, liabilities or equity, never a vault account. */
const ACCOUNT = /^(Expenses|Liabilities|Equity)(:[A-Za-z0-9][A-Za-z0-9_-]{0,63}){1,4}$/;
export const MAX_OUTPUTS = 100;
export const MAX_LABEL = 200;

const amountSat = z.string().openapi({ example: '150000000' });
const amountBtc = z.string().openapi({ example: '1.50000000' });

export const OutputInput = z
  .strictObject({
    address: z.string().min(1).max(90).optional(),
    policy_id: z.string().regex(POLICY_ID, 'must be a policy id').optional(),
    amount_sat: amountSat.optional(),
    amount_btc: amountBtc.optional(),
    label: z.string().min(1).max(MAX_LABEL).optional(),
  })
  .refine((o) => (o.address === undefined) !== (o.policy_id === undefined), {
    message: 'give exactly one of address and policy_id',
  })
  .refine((o) => (o.amount_sat === undefined) !== (o.amount_btc === undefined), {
    message: 'give exactly one of amount_sat and amount_btc',
  });

export const ProposeSpendInput = z.strictObject({
  policy_id: z.string().regex(POLICY_ID, 'must be a policy id'),
  outputs: z.array(OutputInput).min(1).max(MAX_OUTPUTS),
  fee_rate_sat_vb: z
    .union([z.number(), z.string()])
    .openapi({ example: 2.5, description: 'sat/vB, at most 3 decimals' }),
  purpose: z.string().min(1).max(500),
  account: z.string().regex(ACCOUNT, 'must be an Expenses:, Liabilities: or Equity: account').optional(),
  inputs: z
    .array(
      z.strictObject({
        txid: z.string().regex(TXID, 'must be a lowercase hex txid'),
        vout: z.number().int().min(0).max(0xffffffff),
      }),
    )
    .min(1)
    .max(2000)
    .optional(),
});
export type ProposeSpendInput = z.infer<typeof ProposeSpendInput>;

export const ApproveSpendInput = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  digest: z.string().regex(/^[0-9a-f]{64}$/, 'must be the spend digest, 64 lowercase hex characters'),
  comment: z.string().min(1).max(1000).optional(),
});
export type ApproveSpendInput = z.infer<typeof ApproveSpendInput>;

export function fieldProblem(field: string, reason: string): DomainError {
  return new DomainError('validation_failed', `${field}: ${reason}`, { errors: [{ field, reason }] });
}

/** A rule of the vault refused the spend: a 422 naming the rule and its figures (amounts as strings). */
export function ruleRefusal(rule: string, detail: string, figures: Record<string, unknown> = {}, field = rule) {
  return new DomainError('validation_failed', detail, {
    errors: [{ field, reason: detail }],
    extra: { rule, ...stringify(figures) },
  });
}

/** A state conflict: a 409 naming the rule. */
export function stateConflict(rule: string, detail: string, figures: Record<string, unknown> = {}) {
  return conflict(detail, { rule, ...stringify(figures) });
}

function stringify(figures: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
}

export function outputAmountSat(o: { amount_sat?: string; amount_btc?: string }, field: string): bigint {
  try {
    const sat = o.amount_sat !== undefined ? parseSatAmount(o.amount_sat) : parseBtcAmount(o.amount_btc!);
    if (sat <= 0n) throw new AmountError('must be more than zero');
    return sat;
  } catch (error) {
    if (error instanceof AmountError) throw fieldProblem(field, error.message);
    throw error;
  }
}

/** sat/vB as thousandths (2.5 -> 2500n): a number or decimal string with at most 3 decimals. */
export function feeRateMsat(value: number | string): bigint {
  const text = typeof value === 'number' ? String(value) : value;
  const match = /^(0|[1-9]\d{0,6})(?:\.(\d{1,3}))?$/.exec(text);
  if (!match) throw fieldProblem('fee_rate_sat_vb', 'must be a positive number of sat/vB with at most 3 decimals');
  return BigInt(match[1]!) * 1000n + BigInt((match[2] ?? '').padEnd(3, '0'));
}
