// The ledger's value types and their validation: pure, no database, no HTTP.
// Postings are checked as values before they touch storage; the database checks again.
import { Decimal } from 'decimal.js';
import { DomainError, type FieldError } from '../errors.js';
import { MAX_SAT } from '../money/btc.js';
import { isIso4217 } from '../money/fiat.js';
import { canonicalDecimal, canonicalTime, type CanonicalEntry, type CanonicalPosting } from './canonical.js';

export type AccountType = 'asset' | 'liability' | 'equity' | 'income' | 'expense';

const TYPE_OF_ROOT: Record<string, AccountType> = {
  Assets: 'asset',
  Liabilities: 'liability',
  Equity: 'equity',
  Income: 'income',
  Expenses: 'expense',
};

/** A valuation annotation: an amount in another commodity (price per whole unit, or total cost). */
export interface Valuation {
  amount: Decimal;
  commodity: string;
}

/** One leg of an entry. BTC takes a bigint (satoshis); a fiat currency takes a Decimal. */
export interface Posting {
  account: string;
  commodity: string;
  amount: bigint | Decimal;
  /** Value of one whole unit (one BTC, not one satoshi) of this commodity. */
  price?: Valuation | null;
  /** Total historical cost of this posting's amount. */
  cost?: Valuation | null;
}

export interface NewEntry {
  kind: string;
  description: string;
  occurredAt: Date;
  source: { type: string; id: string };
  postings: Posting[];
  /** seq of the entry this one reverses (reverseEntry sets it). */
  reverses?: bigint | null;
}

export interface PostedEntry {
  seq: bigint;
  id: string;
  occurredAt: Date;
  recordedAt: Date;
  kind: string;
  description: string;
  source: { type: string; id: string };
  actor: string;
  reversesSeq: bigint | null;
  prevHash: string;
  hash: string;
  postings: Posting[];
}

/**
 * The Decimal the ledger hands out: enough precision that sums of ledger amounts (at most
 * 20 integer and 18 fraction digits each) never round, and plain notation from toString().
 */
export const LedgerDecimal = Decimal.clone({ precision: 100, toExpNeg: -100, toExpPos: 100 });

export const MAX_POSTINGS = 1000;
export const MAX_FIAT_DECIMALS = 18;
const FIAT_LIMIT = new Decimal('1e20');

export const ACCOUNT_NAME = /^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Za-z0-9][A-Za-z0-9._-]{0,63}){0,7}$/;
export const KIND = /^[a-z][a-z0-9_.-]{0,63}$/;
const COMMODITY = /^(BTC|[A-Z]{3})$/;
const CONTROL = /[\u0000]/;

export function accountTypeOf(name: string): AccountType {
  const type = TYPE_OF_ROOT[name.split(':')[0]!];
  if (!type) throw new Error(`not an account name: ${name}`);
  return type;
}

/** Why an account name is refused, or null. */
export function accountNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length > 300) return 'must be at most 300 characters';
  if (!ACCOUNT_NAME.test(name)) {
    return 'must start with Assets, Liabilities, Equity, Income or Expenses, then up to 7 ":"-separated segments of letters, digits, ".", "_" or "-"';
  }
  return null;
}

/** Why a commodity code is refused, or null: BTC, or an ISO 4217 currency. */
export function commodityProblem(code: unknown): string | null {
  if (typeof code !== 'string' || !COMMODITY.test(code)) return 'must be BTC or an ISO 4217 currency code such as USD';
  if (code !== 'BTC' && !isIso4217(code)) return `${code} is not an ISO 4217 currency code`;
  return null;
}

/** Why a fiat Decimal is refused, or null. */
function fiatProblem(value: unknown, positive: boolean): string | null {
  if (!Decimal.isDecimal(value)) return 'must be a Decimal for a fiat commodity';
  const d = value as Decimal;
  if (!d.isFinite()) return 'must be finite';
  if (d.decimalPlaces() > MAX_FIAT_DECIMALS) return `must have at most ${MAX_FIAT_DECIMALS} decimals`;
  if (d.abs().gte(FIAT_LIMIT)) return 'must be below 1e20 in magnitude';
  if (positive && !d.isPositive()) return 'must be positive';
  if (positive && d.isZero()) return 'must be positive';
  return null;
}

/** An exact integer in units of 10^-18, for summing fiat without rounding. */
export function scaled(value: bigint | Decimal | string): bigint {
  if (typeof value === 'bigint') return value;
  const text = canonicalDecimal(value);
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const units = BigInt(whole! + fraction.padEnd(MAX_FIAT_DECIMALS, '0'));
  return negative ? -units : units;
}

function valuationProblems(v: unknown, field: string, positive: boolean): FieldError[] {
  if (v === undefined || v === null) return [];
  const val = v as Valuation;
  const errors: FieldError[] = [];
  const c = commodityProblem(val.commodity);
  if (c) errors.push({ field: `${field}.commodity`, reason: c });
  const a = fiatProblem(val.amount, positive);
  if (a) errors.push({ field: `${field}.amount`, reason: a });
  return errors;
}

function textProblem(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length < 1 || value.length > max) return `must be 1 to ${max} characters`;
  if (CONTROL.test(value)) return 'must not contain NUL characters';
  return null;
}

/** Every reason an entry is refused, with the field it concerns (`prefix` names the entry). */
export function entryProblems(entry: NewEntry, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const push = (field: string, reason: string | null) => {
    if (reason) errors.push({ field: at(field), reason });
  };
  push('kind', typeof entry.kind === 'string' && KIND.test(entry.kind) ? null : 'must match ^[a-z][a-z0-9_.-]{0,63}$');
  push('description', textProblem(entry.description, 1000));
  push(
    'source.type',
    typeof entry.source?.type === 'string' && KIND.test(entry.source.type)
      ? null
      : 'must match ^[a-z][a-z0-9_.-]{0,63}$',
  );
  push('source.id', textProblem(entry.source?.id, 200));
  const t = entry.occurredAt;
  if (!(t instanceof Date) || Number.isNaN(t.getTime())) push('occurred_at', 'must be a valid time');
  else if (t.getTime() < 0 || t.getUTCFullYear() > 9999) push('occurred_at', 'must be between 1970 and 9999');
  if (
    entry.reverses !== undefined &&
    entry.reverses !== null &&
    (typeof entry.reverses !== 'bigint' || entry.reverses < 1n)
  ) {
    push('reverses', 'must be a positive bigint seq');
  }
  const postings = Array.isArray(entry.postings) ? entry.postings : [];
  if (postings.length < 2 || postings.length > MAX_POSTINGS)
    push('postings', `must have 2 to ${MAX_POSTINGS} postings`);
  const sums = new Map<string, bigint>();
  postings.forEach((p, i) => {
    const f = `postings.${i}`;
    push(`${f}.account`, accountNameProblem(p.account));
    const c = commodityProblem(p.commodity);
    push(`${f}.commodity`, c);
    if (c) return;
    if (p.commodity === 'BTC') {
      if (typeof p.amount !== 'bigint') return push(`${f}.amount`, 'must be a bigint number of satoshis for BTC');
      if (p.amount > MAX_SAT || p.amount < -MAX_SAT)
        return push(`${f}.amount`, 'must not exceed 21,000,000 BTC in magnitude');
    } else {
      const problem = fiatProblem(p.amount, false);
      if (problem) return push(`${f}.amount`, problem);
    }
    errors.push(...valuationProblems(p.price, at(`${f}.price`), true));
    errors.push(...valuationProblems(p.cost, at(`${f}.cost`), false));
    sums.set(p.commodity, (sums.get(p.commodity) ?? 0n) + scaled(p.amount));
  });
  if (errors.length === 0) {
    const unbalanced = [...sums].filter(([, s]) => s !== 0n).map(([c]) => c);
    if (unbalanced.length > 0)
      push('postings', `must sum to zero per commodity; they do not in ${unbalanced.sort().join(', ')}`);
  }
  return errors;
}

export function assertValidEntries(entries: NewEntry[]): void {
  const errors = entries.flatMap((e, i) => entryProblems(e, entries.length > 1 ? `entries.${i}` : ''));
  if (errors.length > 0) {
    throw new DomainError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
  }
}

/** The postings that undo `postings`: amounts and costs negated, prices kept. */
export function negatePostings(postings: Posting[]): Posting[] {
  return postings.map((p) => ({
    account: p.account,
    commodity: p.commodity,
    amount: typeof p.amount === 'bigint' ? -p.amount : canonicalNegate(p.amount),
    price: p.price ?? null,
    cost: p.cost ? { amount: canonicalNegate(p.cost.amount), commodity: p.cost.commodity } : null,
  }));
}

function canonicalNegate(d: Decimal): Decimal {
  return d.isZero() ? new LedgerDecimal(0) : new LedgerDecimal(d).negated();
}

export function amountText(amount: bigint | Decimal): string {
  return canonicalDecimal(amount);
}

export function valuationText(v: Valuation | null | undefined): string | null {
  return v ? `${canonicalDecimal(v.amount)} ${v.commodity}` : null;
}

/** The canonical view of a posted entry, for hashing (canonical.ts). */
export function toCanonical(entry: PostedEntry): CanonicalEntry {
  return {
    seq: entry.seq,
    id: entry.id,
    occurred_at: canonicalTime(entry.occurredAt),
    recorded_at: canonicalTime(entry.recordedAt),
    kind: entry.kind,
    description: entry.description,
    source_type: entry.source.type,
    source_id: entry.source.id,
    actor: entry.actor,
    reverses_seq: entry.reversesSeq,
    postings: entry.postings.map(
      (p): CanonicalPosting => ({
        account: p.account,
        commodity: p.commodity,
        amount: amountText(p.amount),
        price: valuationText(p.price),
        cost: valuationText(p.cost),
      }),
    ),
  };
}
