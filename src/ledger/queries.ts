// The ledger's queries (drizzle). Only this module reads or writes the ledger_* tables.
import { and, asc, eq, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { ledgerAccounts, ledgerBalances, ledgerEntries, ledgerPostings } from '../../db/schema/ledger.js';
import { accountTypeOf, amountText, LedgerDecimal, type Posting, type PostedEntry } from './model.js';
import { canonicalDecimal } from './canonical.js';

export type EntryRow = typeof ledgerEntries.$inferSelect;
export type PostingRow = typeof ledgerPostings.$inferSelect;

export async function insertAccount(tx: Executor, name: string, commodities: string[] | null) {
  const [row] = await tx
    .insert(ledgerAccounts)
    .values({ name, type: accountTypeOf(name), commodities })
    .onConflictDoNothing()
    .returning();
  return row ?? (await tx.select().from(ledgerAccounts).where(eq(ledgerAccounts.name, name)))[0]!;
}

export function postingRows(entryId: string, postings: Posting[]) {
  return postings.map((p, idx) => ({
    entryId,
    idx,
    account: p.account,
    commodity: p.commodity,
    amountSat: typeof p.amount === 'bigint' ? p.amount : null,
    amount: typeof p.amount === 'bigint' ? null : amountText(p.amount),
    priceAmount: p.price ? canonicalDecimal(p.price.amount) : null,
    priceCommodity: p.price?.commodity ?? null,
    costAmount: p.cost ? canonicalDecimal(p.cost.amount) : null,
    costCommodity: p.cost?.commodity ?? null,
  }));
}

/** One row per entry of the batch; posted_seq is null when its (kind, source) was already posted. */
export interface AppendedRow {
  posted_id: string;
  posted_seq: string | null;
  posted_prev_hash: string | null;
  posted_hash: string | null;
  posted_recorded_at: string | null;
}

/**
 * One round trip for a whole batch: the SQL function ledger_append (migration 0002, current form
 * in 0006) inserts accounts, postings and entries; the entry trigger fills seq, prev_hash,
 * recorded_at and hash.
 */
export async function callAppend(tx: Executor, batchJson: string, skipPosted: boolean): Promise<AppendedRow[]> {
  return rowsOf<AppendedRow>(await tx.execute(sql`select * from ledger_append(${batchJson}::jsonb, ${skipPosted})`));
}

export function toPosting(row: PostingRow): Posting {
  return {
    account: row.account,
    commodity: row.commodity,
    amount: row.amountSat !== null ? row.amountSat : new LedgerDecimal(row.amount!),
    price:
      row.priceAmount !== null ? { amount: new LedgerDecimal(row.priceAmount), commodity: row.priceCommodity! } : null,
    cost: row.costAmount !== null ? { amount: new LedgerDecimal(row.costAmount), commodity: row.costCommodity! } : null,
  };
}

export function toPostedEntry(row: EntryRow, postings: PostingRow[]): PostedEntry {
  return {
    seq: row.seq,
    id: row.id,
    occurredAt: row.occurredAt,
    recordedAt: row.recordedAt,
    kind: row.kind,
    description: row.description,
    source: { type: row.sourceType, id: row.sourceId },
    actor: row.actor,
    reversesSeq: row.reversesSeq,
    prevHash: row.prevHash,
    hash: row.hash,
    postings: [...postings].sort((a, b) => a.idx - b.idx).map(toPosting),
  };
}

async function withPostings(db: Executor, rows: EntryRow[]): Promise<PostedEntry[]> {
  if (rows.length === 0) return [];
  const postings = await db
    .select()
    .from(ledgerPostings)
    .where(
      inArray(
        ledgerPostings.entryId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(ledgerPostings.entryId), asc(ledgerPostings.idx));
  const byEntry = new Map<string, PostingRow[]>();
  for (const p of postings) {
    const list = byEntry.get(p.entryId) ?? [];
    list.push(p);
    byEntry.set(p.entryId, list);
  }
  return rows.map((r) => toPostedEntry(r, byEntry.get(r.id) ?? []));
}

export interface EntryFilter {
  /** Entries with seq > afterSeq (keyset cursor). */
  afterSeq?: bigint;
  fromSeq?: bigint;
  toSeq?: bigint;
  /** occurred_at >= from */
  from?: Date;
  /** occurred_at < to */
  to?: Date;
  kind?: string;
  sourceType?: string;
  sourceId?: string;
  /** Entries with a posting to this account or one below it. */
  accountPrefix?: string;
  limit: number;
}

export async function selectEntries(db: Executor, f: EntryFilter): Promise<PostedEntry[]> {
  const conditions: (SQL | undefined)[] = [
    f.afterSeq !== undefined ? sql`${ledgerEntries.seq} > ${f.afterSeq}` : undefined,
    f.fromSeq !== undefined ? gte(ledgerEntries.seq, f.fromSeq) : undefined,
    f.toSeq !== undefined ? lte(ledgerEntries.seq, f.toSeq) : undefined,
    f.from ? gte(ledgerEntries.occurredAt, f.from) : undefined,
    f.to ? lt(ledgerEntries.occurredAt, f.to) : undefined,
    f.kind ? eq(ledgerEntries.kind, f.kind) : undefined,
    f.sourceType ? eq(ledgerEntries.sourceType, f.sourceType) : undefined,
    f.sourceId ? eq(ledgerEntries.sourceId, f.sourceId) : undefined,
    f.accountPrefix
      ? sql`exists (select 1 from ${ledgerPostings} p where p.entry_id = ${ledgerEntries.id}
          and (p.account = ${f.accountPrefix} or starts_with(p.account, ${`${f.accountPrefix}:`})))`
      : undefined,
  ];
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(...conditions.filter((c) => c !== undefined)))
    .orderBy(asc(ledgerEntries.seq))
    .limit(f.limit);
  return withPostings(db, rows);
}

export async function selectEntryBy(db: Executor, where: { seq?: bigint; id?: string }): Promise<PostedEntry | null> {
  const condition = where.seq !== undefined ? eq(ledgerEntries.seq, where.seq) : eq(ledgerEntries.id, where.id ?? '');
  const rows = await db.select().from(ledgerEntries).where(condition);
  return (await withPostings(db, rows))[0] ?? null;
}

export async function selectEntryBySource(db: Executor, kind: string, type: string, id: string) {
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.kind, kind), eq(ledgerEntries.sourceType, type), eq(ledgerEntries.sourceId, id)));
  return (await withPostings(db, rows))[0] ?? null;
}

export async function selectBalance(db: Executor, account: string, commodity: string) {
  const [row] = await db
    .select({ balance: ledgerBalances.balance })
    .from(ledgerBalances)
    .where(and(eq(ledgerBalances.account, account), eq(ledgerBalances.commodity, commodity)));
  return row?.balance ?? null;
}

export async function selectAccounts(db: Executor, prefix?: string) {
  const where = prefix
    ? or(eq(ledgerAccounts.name, prefix), sql`starts_with(${ledgerAccounts.name}, ${`${prefix}:`})`)
    : undefined;
  const accounts = await db.select().from(ledgerAccounts).where(where).orderBy(asc(ledgerAccounts.name));
  const balances = await db
    .select()
    .from(ledgerBalances)
    .where(
      prefix
        ? or(eq(ledgerBalances.account, prefix), sql`starts_with(${ledgerBalances.account}, ${`${prefix}:`})`)
        : undefined,
    )
    .orderBy(asc(ledgerBalances.account), asc(ledgerBalances.commodity));
  return { accounts, balances };
}

/** Maintained balances (now), one row per account and commodity. */
export async function selectAllBalances(db: Executor) {
  return db
    .select({
      account: ledgerBalances.account,
      type: ledgerAccounts.type,
      commodity: ledgerBalances.commodity,
      balance: ledgerBalances.balance,
    })
    .from(ledgerBalances)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.name, ledgerBalances.account))
    .orderBy(asc(ledgerBalances.account), asc(ledgerBalances.commodity));
}

/** Balances summed from the entries up to a cut: occurred_at <= asOf and/or seq <= asOfSeq. */
export async function sumBalancesAsOf(db: Executor, cut: { asOf?: Date; asOfSeq?: bigint; knownAt?: Date }) {
  const conditions = [
    cut.asOf ? lte(ledgerEntries.occurredAt, cut.asOf) : undefined,
    // The other axis: only entries recorded by then (what the reserve knew).
    cut.knownAt ? lte(ledgerEntries.recordedAt, cut.knownAt) : undefined,
    cut.asOfSeq !== undefined ? lte(ledgerEntries.seq, cut.asOfSeq) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select({
      account: ledgerPostings.account,
      type: ledgerAccounts.type,
      commodity: ledgerPostings.commodity,
      balance: sql<string>`sum(coalesce(${ledgerPostings.amountSat}::numeric, ${ledgerPostings.amount}))::text`,
    })
    .from(ledgerPostings)
    .innerJoin(ledgerEntries, eq(ledgerEntries.id, ledgerPostings.entryId))
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.name, ledgerPostings.account))
    .where(and(...conditions))
    .groupBy(ledgerPostings.account, ledgerAccounts.type, ledgerPostings.commodity)
    .orderBy(asc(ledgerPostings.account), asc(ledgerPostings.commodity));
}

/**
 * The earliest occurred_at of the entries that `refs` names, as one SQL expression (null when none
 * of them is posted): `refs` is a jsonb array of `{kind, source_type, source_id}`, the form another
 * module keeps its ledger references in (utxo_history.ledger_refs). For a statement that dates its
 * own rows by the ledger's valid time in the same snapshot, without knowing the ledger's tables.
 */
export function entriesOccurredAt(refs: SQL): SQL<Date | null> {
  // One lookup of the (kind, source_type, source_id) unique index per reference: as a join the
  // planner guesses 100 references and hashes the whole ledger for each history row (1.5 ms a row
  // on the demo year, every as-of report paying it for every coin).
  return sql<Date | null>`(select min((select e.occurred_at from ledger_entries e
      where e.kind = r->>'kind' and e.source_type = r->>'source_type' and e.source_id = r->>'source_id'))
    from jsonb_array_elements(${refs}) r)`;
}
