// The ledger's service: the only way other modules post to or read the ledger.
// Appends run in the caller's transaction (ctx.tx) so a module's state change and its entry
// commit or fail together; the database assigns seq and hash under the chain-head lock.
import type { Decimal } from 'decimal.js';
import { z } from 'zod';
import { type Actor, type Ctx, executor, inTx, type Verb, withTransaction } from '../context.js';
import { conflict, invalid, notFound, parseInput } from '../errors.js';
import { alreadyPosted, appendEntries, appendGrouped, assertDistinctSources, MAX_BATCH_ENTRIES } from './append.js';
import {
  type AccountType,
  accountNameProblem,
  assertValidEntries,
  commodityProblem,
  negatePostings,
  type NewEntry,
  type PostedEntry,
  LedgerDecimal,
} from './model.js';
import {
  type EntryFilter,
  insertAccount,
  selectAccounts,
  selectAllBalances,
  selectBalance,
  selectEntries,
  selectEntryBy,
  selectEntryBySource,
  sumBalancesAsOf,
} from './queries.js';

export type { NewEntry, Posting, PostedEntry, Valuation, AccountType } from './model.js';
export { verifyLedger, type VerifyResult } from './verify.js';
export { MAX_BATCH_ENTRIES } from './append.js';
export { entriesOccurredAt } from './queries.js';

/** The actor string hashed into an entry: the API key id, else the role (fleet, system). */
export function actorName(actor: Actor): string {
  return actor.keyId ?? actor.role;
}

/**
 * Appends one entry. In ctx.tx when set, so the caller's state change and the entry commit or
 * fail together; otherwise in a transaction of its own, grouped with concurrent appends (one
 * head lock, one commit). Posting the same (kind, source) twice throws DomainError('conflict'),
 * and the caller's transaction remains usable (the duplicate is found under the head lock,
 * before anything is written). The entry is a value other modules build (bigint satoshis,
 * Decimal fiat), checked as a value by assertValidEntries rather than parsed from the wire.
 */
export async function postEntry({ ctx, input: entry }: Verb<NewEntry>): Promise<PostedEntry> {
  assertValidEntries([entry]);
  const item = { entry, actor: actorName(ctx.actor) };
  if (!ctx.tx) return appendGrouped(ctx.db, item);
  const [posted] = await appendEntries(ctx.tx, [item], { skipPosted: true });
  if (!posted) throw alreadyPosted();
  return posted;
}

/**
 * Appends several entries under one chain-head lock, in the given order, in one transaction
 * (the caller's when ctx.tx is set). All or nothing.
 */
export async function postEntries({ ctx, input: entries }: Verb<NewEntry[]>): Promise<PostedEntry[]> {
  if (entries.length === 0) return [];
  if (entries.length > MAX_BATCH_ENTRIES) throw invalid('entries', `must be at most ${MAX_BATCH_ENTRIES} per batch`);
  assertValidEntries(entries);
  const actor = actorName(ctx.actor);
  const items = entries.map((entry) => ({ entry, actor }));
  assertDistinctSources(items);
  return withTransaction(ctx, (tx) => appendEntries(tx, items));
}

const ReverseInputSchema = z
  .object({
    /** The entry to reverse, by seq or by id. */
    seq: z.bigint().positive().optional(),
    entryId: z.string().min(1).max(200).optional(),
    reason: z.string().trim().min(1, 'must not be empty'),
    /** Defaults to { type: 'ledger_entry', id: <original id> }. */
    source: z.object({ type: z.string(), id: z.string() }).optional(),
    /** Defaults to 'reversal'. */
    kind: z.string().optional(),
    /** Defaults to now. */
    occurredAt: z.date().optional(),
  })
  .strict()
  .refine((v) => v.seq !== undefined || v.entryId !== undefined, {
    path: ['seq'],
    message: 'name the entry to reverse by seq or by entryId',
  });

export type ReverseInput = z.input<typeof ReverseInputSchema>;

/** A new entry with the original's postings negated, referring to it; an entry is reversed at most once. */
export async function reverseEntry({ ctx, input: raw }: Verb<ReverseInput>): Promise<PostedEntry> {
  const input = parseInput(ReverseInputSchema, raw);
  return withTransaction(ctx, async (tx) => {
    const original = await selectEntryBy(tx, { seq: input.seq, id: input.entryId });
    if (!original) throw notFound(`ledger entry ${input.seq ?? input.entryId}`);
    const description = `Reversal of entry ${original.seq}: ${input.reason}`.slice(0, 1000);
    return postEntry({
      ctx: inTx(ctx, tx),
      input: {
        kind: input.kind ?? 'reversal',
        description,
        occurredAt: input.occurredAt ?? new Date(),
        source: input.source ?? { type: 'ledger_entry', id: original.id },
        postings: negatePostings(original.postings),
        reverses: original.seq,
      },
    });
  });
}

/** A zod check by one of the model's problem functions (the same words as the entries' checks). */
const checkedBy = (problem: (v: unknown) => string | null) =>
  z
    .unknown()
    .superRefine((value, check) => {
      const reason = problem(value);
      if (reason) check.addIssue({ code: 'custom', message: reason });
    })
    .transform((value) => value as string);

const OpenAccountInputSchema = z
  .object({ name: checkedBy(accountNameProblem), commodities: z.array(checkedBy(commodityProblem)).nullish() })
  .strict();

export type OpenAccountInput = z.input<typeof OpenAccountInputSchema>;

/**
 * Declares an account up front, optionally limited to some commodities (null: any).
 * Accounts are otherwise created on first use by postEntry. An existing account is returned
 * as it is; declaring it again with different commodities is a conflict.
 */
export async function openAccount({ ctx, input: raw }: Verb<OpenAccountInput>) {
  const input = parseInput(OpenAccountInputSchema, raw);
  const commodities = input.commodities ? [...new Set(input.commodities)].sort() : null;
  return withTransaction(ctx, async (tx) => {
    const row = await insertAccount(tx, input.name, commodities);
    const existing = row.commodities ? [...row.commodities].sort() : null;
    if (JSON.stringify(existing) !== JSON.stringify(commodities)) {
      throw conflict(`account ${input.name} exists with commodities ${existing ? existing.join(', ') : 'any'}`);
    }
    return { name: row.name, type: row.type as AccountType, commodities: row.commodities };
  });
}

/** An amount of a commodity: bigint satoshis for BTC, Decimal for fiat. */
export type Amount = bigint | Decimal;

export function toAmount(commodity: string, value: string): Amount {
  return commodity === 'BTC' ? BigInt(value) : new LedgerDecimal(value);
}

/** One row read: the maintained balance (zero when the account never held the commodity). */
export async function getBalance(ctx: Ctx, account: string, commodity: 'BTC'): Promise<bigint>;
export async function getBalance(ctx: Ctx, account: string, commodity: string): Promise<Amount>;
export async function getBalance(ctx: Ctx, account: string, commodity: string): Promise<Amount> {
  const value = await selectBalance(executor(ctx), account, commodity);
  return toAmount(commodity, value ?? '0');
}

export interface AccountBalance {
  commodity: string;
  balance: Amount;
}

export interface AccountView {
  name: string;
  type: AccountType;
  commodities: string[] | null;
  balances: AccountBalance[];
}

/** Accounts (optionally those at or below `prefix`) with their maintained balances. */
export async function listAccounts(ctx: Ctx, options: { prefix?: string } = {}): Promise<AccountView[]> {
  const { accounts, balances } = await selectAccounts(executor(ctx), options.prefix);
  const byAccount = new Map<string, AccountBalance[]>();
  for (const b of balances) {
    const list = byAccount.get(b.account) ?? [];
    list.push({ commodity: b.commodity, balance: toAmount(b.commodity, b.balance) });
    byAccount.set(b.account, list);
  }
  return accounts.map((a) => ({
    name: a.name,
    type: a.type as AccountType,
    commodities: a.commodities,
    balances: byAccount.get(a.name) ?? [],
  }));
}

export interface TrialBalance {
  asOf: Date | null;
  knownAt: Date | null;
  asOfSeq: bigint | null;
  rows: { account: string; type: AccountType; commodity: string; balance: Amount }[];
  /** Sum of all balances per commodity; zero in a sound ledger. */
  totals: { commodity: string; total: Amount }[];
}

/**
 * Every account's balance per commodity. Now: the maintained balances. As of a past time
 * (valid time, occurred_at <= asOf) or seq: summed from the entries; knownAt keeps only the
 * entries recorded by then (recorded_at <= knownAt), what the reserve had booked at that moment.
 */
export async function trialBalance(
  ctx: Ctx,
  options: { asOf?: Date; asOfSeq?: bigint; knownAt?: Date } = {},
): Promise<TrialBalance> {
  const db = executor(ctx);
  const raw =
    options.asOf || options.asOfSeq !== undefined || options.knownAt
      ? await sumBalancesAsOf(db, options)
      : await selectAllBalances(db);
  const rows = raw.map((r) => ({
    account: r.account,
    type: r.type as AccountType,
    commodity: r.commodity,
    balance: toAmount(r.commodity, r.balance),
  }));
  const totals = new Map<string, Decimal>();
  for (const r of raw)
    totals.set(r.commodity, (totals.get(r.commodity) ?? new LedgerDecimal(0)).plus(new LedgerDecimal(r.balance)));
  return {
    asOf: options.asOf ?? null,
    knownAt: options.knownAt ?? null,
    asOfSeq: options.asOfSeq ?? null,
    rows,
    totals: [...totals]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([commodity, total]) => ({ commodity, total: toAmount(commodity, total.toFixed()) })),
  };
}

export async function getEntry(ctx: Ctx, where: { seq?: bigint; id?: string }): Promise<PostedEntry | null> {
  return selectEntryBy(executor(ctx), where);
}

/** The entry already posted for (kind, source), or null: how a retrying poster stays idempotent. */
export async function findEntryBySource(
  ctx: Ctx,
  kind: string,
  source: { type: string; id: string },
): Promise<PostedEntry | null> {
  return selectEntryBySource(executor(ctx), kind, source.type, source.id);
}

export type ReadEntriesOptions = Omit<EntryFilter, 'limit'> & { limit?: number };

/** One page of entries with their postings, in seq order (keyset: pass the last seq as afterSeq). */
export async function readEntries(ctx: Ctx, options: ReadEntriesOptions = {}): Promise<PostedEntry[]> {
  const limit = Math.min(Math.max(options.limit ?? 1000, 1), 10_000);
  return selectEntries(executor(ctx), { ...options, limit });
}

/** Every matching entry in seq order, read a page at a time. */
export async function* iterateEntries(ctx: Ctx, options: ReadEntriesOptions = {}): AsyncGenerator<PostedEntry> {
  const limit = Math.min(Math.max(options.limit ?? 1000, 1), 10_000);
  let afterSeq = options.afterSeq;
  for (;;) {
    const page = await readEntries(ctx, { ...options, afterSeq, limit });
    for (const entry of page) yield entry;
    if (page.length < limit) return;
    afterSeq = page[page.length - 1]!.seq;
  }
}
