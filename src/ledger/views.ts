// The ledger as JSON: amounts as strings (satoshis and BTC for bitcoin, canonical decimals for fiat).
import { z } from '@hono/zod-openapi';
import { canonicalDecimal } from './canonical.js';
import { formatBtc } from '../money/btc.js';
import type { PostedEntry, Posting, Valuation } from './model.js';
import type { AccountView, Amount, TrialBalance, VerifyResult } from './service.js';

const ValuationSchema = z.object({ amount: z.string(), commodity: z.string() }).strict().openapi('LedgerValuation');

export const PostingSchema = z
  .object({
    account: z.string().openapi({ example: 'Assets:Bitcoin:vault-a:Available' }),
    commodity: z.string().openapi({ example: 'BTC' }),
    amount: z.string().openapi({ description: 'Signed; satoshis for BTC, a decimal for fiat', example: '312500000' }),
    amount_sat: z.string().nullable().openapi({ example: '312500000' }),
    amount_btc: z.string().nullable().openapi({ example: '3.12500000' }),
    price: ValuationSchema.nullable().openapi({
      description: 'Value of one whole unit (one BTC) in another commodity',
    }),
    cost: ValuationSchema.nullable().openapi({ description: 'Total historical cost of this amount' }),
  })
  .strict()
  .openapi('LedgerPosting');

export const EntrySchema = z
  .object({
    seq: z.string().openapi({ example: '42' }),
    id: z.string().openapi({ example: 'ent_8f14e45fceea167a5a36' }),
    occurred_at: z.string(),
    recorded_at: z.string(),
    kind: z.string().openapi({ example: 'payout.received' }),
    description: z.string(),
    source: z.object({ type: z.string(), id: z.string() }).strict(),
    actor: z.string(),
    reverses_seq: z.string().nullable(),
    prev_hash: z.string(),
    hash: z.string(),
    postings: z.array(PostingSchema),
  })
  .strict()
  .openapi('LedgerEntry');

const BalanceSchema = z
  .object({ commodity: z.string(), balance: z.string(), balance_btc: z.string().nullable() })
  .strict()
  .openapi('LedgerBalance');

export const AccountSchema = z
  .object({
    name: z.string(),
    type: z.enum(['asset', 'liability', 'equity', 'income', 'expense']),
    commodities: z.array(z.string()).nullable(),
    balances: z.array(BalanceSchema),
  })
  .strict()
  .openapi('LedgerAccount');

export const TrialBalanceSchema = z
  .object({
    as_of: z.string().nullable(),
    as_of_seq: z.string().nullable(),
    known_at: z.string().nullable(),
    rows: z.array(
      z
        .object({
          account: z.string(),
          type: z.string(),
          commodity: z.string(),
          balance: z.string(),
          balance_btc: z.string().nullable(),
        })
        .strict(),
    ),
    totals: z.array(z.object({ commodity: z.string(), total: z.string() }).strict()),
  })
  .strict()
  .openapi('TrialBalance');

export const VerifySchema = z
  .object({
    ok: z.boolean(),
    count: z.string().optional().openapi({ description: 'Entries verified (when ok)' }),
    head_hash: z.string().optional().openapi({ description: 'Hash of the last entry (when ok)' }),
    seq: z.string().nullable().optional().openapi({ description: 'First broken sequence number (when not ok)' }),
    reason: z.string().optional(),
  })
  .strict()
  .openapi('LedgerVerification');

const amountString = (a: Amount) => canonicalDecimal(a);
const btcOf = (commodity: string, a: Amount) => (commodity === 'BTC' && typeof a === 'bigint' ? formatBtc(a) : null);
const valuationView = (v: Valuation | null | undefined) =>
  v ? { amount: canonicalDecimal(v.amount), commodity: v.commodity } : null;

export function toPostingView(p: Posting) {
  const btc = typeof p.amount === 'bigint';
  return {
    account: p.account,
    commodity: p.commodity,
    amount: amountString(p.amount),
    amount_sat: btc ? p.amount.toString() : null,
    amount_btc: btcOf(p.commodity, p.amount),
    price: valuationView(p.price),
    cost: valuationView(p.cost),
  };
}

export function toEntryView(e: PostedEntry) {
  return {
    seq: e.seq.toString(),
    id: e.id,
    occurred_at: e.occurredAt.toISOString(),
    recorded_at: e.recordedAt.toISOString(),
    kind: e.kind,
    description: e.description,
    source: { type: e.source.type, id: e.source.id },
    actor: e.actor,
    reverses_seq: e.reversesSeq?.toString() ?? null,
    prev_hash: e.prevHash,
    hash: e.hash,
    postings: e.postings.map(toPostingView),
  };
}

export function toAccountView(a: AccountView) {
  return {
    name: a.name,
    type: a.type,
    commodities: a.commodities,
    balances: a.balances.map((b) => ({
      commodity: b.commodity,
      balance: amountString(b.balance),
      balance_btc: btcOf(b.commodity, b.balance),
    })),
  };
}

export function toTrialBalanceView(t: TrialBalance) {
  return {
    as_of: t.asOf?.toISOString() ?? null,
    as_of_seq: t.asOfSeq?.toString() ?? null,
    known_at: t.knownAt?.toISOString() ?? null,
    rows: t.rows.map((r) => ({
      account: r.account,
      type: r.type,
      commodity: r.commodity,
      balance: amountString(r.balance),
      balance_btc: btcOf(r.commodity, r.balance),
    })),
    totals: t.totals.map((x) => ({ commodity: x.commodity, total: amountString(x.total) })),
  };
}

export function toVerifyView(v: VerifyResult) {
  return v.ok
    ? { ok: true, count: v.count.toString(), head_hash: v.head_hash }
    : { ok: false, seq: v.seq?.toString() ?? null, reason: v.reason };
}
