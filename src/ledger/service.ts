// The ledger's service: the only way other modules post to or read the ledger.
// Appends run in the caller's transaction (ctx.tx) so a module's state change and its entry
// commit or fail together; the database assigns seq and hash under the chain-head lock.
import type { Decimal } from 'decimal.js';
import { type Actor, type Ctx, executor, withTransaction } from '../context.js';
import { conflict, invalid, notFound } from '../errors.js';
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

/** The actor string hashed into an entry: the API key id, else the role (fleet, system). */
export function actorName(actor: Actor): string {
  return actor.keyId ?? actor.role;
}

/**
 * Appends one entry. In ctx.tx when set, so the caller's state change and the entry commit or
 * fail together; otherwise in a transaction of its own, grouped with concurrent appends (one
 * head lock, one commit). Posting the same (kind, source) twice throws DomainError('conflict'),
 * and the caller's transaction remains usable (the duplicate is found under the head lock,
 * before anything is written).
 */
export async function postEntry(ctx: Ctx, entry: NewEntry): Promise<PostedEntry> {
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
export async function postEntries(ctx: Ctx, entries: NewEntry[]): Promise<PostedEntry[]> {
  if (entries.length === 0) return [];
  if (entries.length > MAX_BATCH_ENTRIES) throw invalid('entries', `must be at most ${MAX_BATCH_ENTRIES} per batch`);
  assertValidEntries(entries);
  const actor = actorName(ctx.actor);
  const items = entries.map((entry) => ({ entry, actor }));
  assertDistinctSources(items);
  return withTransaction(ctx, (tx) => appendEntries(tx, items));
}

export interface ReverseInput {
  /** The entry to reverse, by seq or by id. */
  seq?: bigint;
  entryId?: string;
  reason: string;
  /** Defaults to { type: 'ledger_entry', id: <original id> }. */
  source?: { type: string; id: string };
  /** Defaults to 'reversal'. */
  kind?: string;
  /** Defaults to now. */
  occurredAt?: Date;
}

/** A new entry with the original's postings negated, referring to it; an entry is reversed at most once. */
export async function reverseEntry(ctx: Ctx, input: ReverseInput): Promise<PostedEntry> {
  return withTransaction(ctx, async (tx) => {
    const original = await selectEntryBy(tx, { seq: input.seq, id: input.entryId });
    if (!original) throw notFound(`ledger entry ${input.seq ?? input.entryId}`);
    const reason = (input.reason ?? '').trim();
    if (reason.length === 0) throw invalid('reason', 'must not be empty');
    const description = `Reversal of entry ${original.seq}: ${reason}`.slice(0, 1000);
    return postEntry(
      { ...ctx, tx },
      {
        kind: input.kind ?? 'reversal',
        description,
        occurredAt: input.occurredAt ?? new Date(),
        source: input.source ?? { type: 'ledger_entry', id: original.id },
        postings: negatePostings(original.postings),
        reverses: original.seq,
      },
    );
  });
}

/**
 * Declares an account up front, optionally limited to some commodities (null: any).
 * Accounts are otherwise created on first use by postEntry. An existing account is returned
 * as it is; declaring it again with different commodities is a conflict.
 */
export async function openAccount(ctx: Ctx, input: { name: string; commodities?: string[] | null }) {
  const nameProblem = accountNameProblem(input.name);
  if (nameProblem) throw invalid('name', nameProblem);
  const commodities = input.commodities ? [...new Set(input.commodities)].sort() : null;
  commodities?.forEach((c, i) => {
    const problem = commodityProblem(c);
    if (problem) throw invalid(`commodities.${i}`, problem);
  });
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
