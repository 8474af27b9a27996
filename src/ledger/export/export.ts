// Streams a range of the ledger in one of three formats, a page of entries at a time (keyset
// on seq), so memory stays constant whatever the range. The manifest follows the body.
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../../db/client.js';
import type { Ctx } from '../../context.js';
import { CANONICAL_VERSION, canonicalDecimal } from '../canonical.js';
import {
  beancountBalanceLines,
  beancountEntry,
  beancountHeader,
  beancountPriceLines,
  type BeancountValuation,
  dayAfter,
  CSV_STRINGIFY_OPTIONS,
  beancountManifestLine,
  csvManifestRow,
  csvRows,
  type ExportEntry,
  jsonlLine,
  jsonlManifestLine,
  LEDGER_CSV_COLUMNS,
  LEDGER_EXPORT_VERSION,
  type LedgerExportFormat,
  type LedgerManifest,
} from './formats.js';
import { copyRows, postgresClientOf } from './copy.js';
import { manifestTransparency } from '../transparency/log.js';
import { balancesAfter, type LedgerExportRange } from './range.js';

/** Entries per page: a few thousand rows, one round trip. */
const PAGE_ENTRIES = 1000n;

/** An entry row as read, before its postings are attached. */
type EntryRow = Omit<ExportEntry, 'postings'>;

interface PostingRow {
  entry_id: string;
  account: string;
  commodity: string;
  amount: string;
  price_amount: string | null;
  price_commodity: string | null;
  cost_amount: string | null;
  cost_commodity: string | null;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Entries with seq in [from, to] and their postings, in seq then posting order. Two narrow
 * queries (run side by side on a server) rather than one join repeating every entry column.
 */
async function readPage(ctx: Ctx, from: bigint, to: bigint): Promise<ExportEntry[]> {
  const [entryResult, postingResult] = await Promise.all([
    ctx.db.execute(sql`
      select e.seq::text as seq, id, to_char(occurred_at at time zone 'UTC', ${sql.raw(ISO)}) as occurred_at,
        to_char(recorded_at at time zone 'UTC', ${sql.raw(ISO)}) as recorded_at, kind, description, source_type,
        source_id, actor, reverses_seq::text as reverses_seq, prev_hash, hash
      from ledger_entries e where e.seq between ${from} and ${to} order by e.seq`), // e.seq: the alias seq is text
    ctx.db.execute(sql`
      select p.entry_id, p.account, p.commodity, coalesce(p.amount_sat::text, p.amount::text) as amount,
        p.price_amount::text as price_amount, p.price_commodity, p.cost_amount::text as cost_amount, p.cost_commodity
      from ledger_entries e join ledger_postings p on p.entry_id = e.id
      where e.seq between ${from} and ${to}
      order by e.seq, p.idx`),
  ]);
  const entries = rowsOf<EntryRow>(entryResult).map((r): ExportEntry => ({ ...r, postings: [] }));
  let at = -1;
  let current: ExportEntry | undefined;
  for (const r of rowsOf<PostingRow>(postingResult)) {
    if (current?.id !== r.entry_id) {
      current = entries[++at];
      if (current?.id !== r.entry_id)
        throw new Error(`ledger page ${from}-${to}: postings of ${r.entry_id} out of step with the entries`);
    }
    current.postings.push({
      account: r.account,
      commodity: r.commodity,
      amount: r.commodity === 'BTC' ? r.amount : canonicalDecimal(r.amount),
      price: r.price_amount === null ? null : `${canonicalDecimal(r.price_amount)} ${r.price_commodity}`,
      cost: r.cost_amount === null ? null : `${canonicalDecimal(r.cost_amount)} ${r.cost_commodity}`,
    });
  }
  return entries;
}

async function beancountPreamble(
  ctx: Ctx,
  range: LedgerExportRange,
  valuation: BeancountValuation | undefined,
): Promise<string> {
  // Every account and commodity used up to the end of the range, opened on the first day
  // the range needs (the earliest occurred_at in it), so bean-check finds each one open.
  const accounts = rowsOf<{ account: string }>(
    await ctx.db.execute(sql`
    select distinct p.account from ledger_postings p join ledger_entries e on e.id = p.entry_id where e.seq <= ${range.toSeq}`),
  );
  const commodities = rowsOf<{ commodity: string }>(
    await ctx.db.execute(sql`
    select distinct p.commodity from ledger_postings p join ledger_entries e on e.id = p.entry_id where e.seq <= ${range.toSeq}`),
  );
  const [first] = rowsOf<{ day: string | null }>(
    await ctx.db.execute(sql`
    select to_char(min(occurred_at) at time zone 'UTC', 'YYYY-MM-DD') as day from ledger_entries where seq between ${range.fromSeq} and ${range.toSeq}`),
  );
  const all = new Set(commodities.map((c) => c.commodity));
  for (const p of valuation?.prices ?? []) all.add(p.commodity).add(p.currency);
  return beancountHeader({
    accounts: accounts.map((a) => a.account),
    commodities: [...all].sort(),
    firstDay: first?.day ?? '1970-01-01',
    manifestHint: 'The last line is the manifest; `reserve verify FILE` checks this file offline.',
    operatingCurrency: valuation?.operatingCurrency ?? null,
    opening: range.fromSeq > 1n && range.toSeq >= range.fromSeq ? await balancesAfter(ctx, range.fromSeq - 1n) : [],
  });
}

/** After the entries: the price directives, and the closing balances asserted the day after the last entry. */
async function beancountEpilogue(
  ctx: Ctx,
  range: LedgerExportRange,
  lastDay: string | null,
  valuation: BeancountValuation | undefined,
): Promise<string> {
  let text = beancountPriceLines(valuation?.prices ?? []);
  if (lastDay !== null) {
    const closing = await balancesAfter(ctx, range.toSeq);
    const lines = beancountBalanceLines(dayAfter(lastDay), closing);
    if (lines.length > 0) text += `${lines.join('\n')}\n\n`;
  }
  return text;
}

export interface LedgerExportStream {
  /** The file before its manifest, in pieces. */
  body: AsyncGenerator<string | Uint8Array>;
  /** The manifest, given the SHA-256 of the body; call after the body has ended. */
  manifest(bodySha256: string): Promise<LedgerManifest>;
  /** The manifest's own line (or CSV record); call after the body has ended. */
  trailer(bodySha256: string): Promise<string>;
}

export interface LedgerExportOptions {
  /** Read page by page even on a PostgreSQL server (tests compare both paths). */
  keysetOnly?: boolean;
  /** beancount: the operating currency and the price directives (marks and rates) to write. */
  valuation?: BeancountValuation;
}

export function ledgerExport(
  ctx: Ctx,
  format: LedgerExportFormat,
  range: LedgerExportRange,
  options: LedgerExportOptions = {},
): LedgerExportStream {
  let entries = 0;
  let postings = 0;
  const server = format !== 'beancount' && !options.keysetOnly ? postgresClientOf(ctx.db) : null;

  async function* body(): AsyncGenerator<string | Uint8Array> {
    if (format === 'csv') yield stringify([[...LEDGER_CSV_COLUMNS]], CSV_STRINGIFY_OPTIONS);
    if (server && format !== 'beancount') {
      yield* copyRows(server, range, format);
      const [counted] = rowsOf<{ entries: string; postings: string }>(
        await ctx.db.execute(sql`
        select count(distinct e.seq)::text as entries, count(*)::text as postings
        from ledger_entries e join ledger_postings p on p.entry_id = e.id where e.seq between ${range.fromSeq} and ${range.toSeq}`),
      );
      entries = Number(counted?.entries ?? 0);
      postings = Number(counted?.postings ?? 0);
      return;
    }
    if (format === 'beancount') yield await beancountPreamble(ctx, range, options.valuation);
    let lastDay: string | null = null;
    // The next page is read while this one is formatted and sent: the database and this
    // process work side by side.
    const pageAt = (from: bigint) => {
      const to = from + PAGE_ENTRIES - 1n < range.toSeq ? from + PAGE_ENTRIES - 1n : range.toSeq;
      const read = readPage(ctx, from, to).then((page) => {
        if (page.length !== Number(to - from + 1n))
          throw new Error(`ledger entries ${from}-${to}: read ${page.length}, the chain has a gap`);
        return page;
      });
      read.catch(() => undefined); // awaited below; never an unhandled rejection if the client leaves
      return read;
    };
    let next = range.fromSeq <= range.toSeq ? pageAt(range.fromSeq) : null;
    for (let from = range.fromSeq; next; from += PAGE_ENTRIES) {
      const page = await next;
      next = from + PAGE_ENTRIES <= range.toSeq ? pageAt(from + PAGE_ENTRIES) : null;
      entries += page.length;
      for (const entry of page) postings += entry.postings.length;
      if (format === 'csv') yield stringify(page.flatMap(csvRows), CSV_STRINGIFY_OPTIONS);
      else if (format === 'jsonl') yield page.map(jsonlLine).join('');
      else {
        for (const entry of page) if (lastDay === null || entry.occurred_at > lastDay) lastDay = entry.occurred_at;
        yield page.map(beancountEntry).join('');
      }
    }
    if (format === 'beancount')
      yield await beancountEpilogue(ctx, range, lastDay?.slice(0, 10) ?? null, options.valuation);
  }

  async function manifest(bodySha256: string): Promise<LedgerManifest> {
    return {
      export: LEDGER_EXPORT_VERSION,
      canonical: CANONICAL_VERSION,
      format,
      from_seq: range.fromSeq.toString(),
      to_seq: range.toSeq.toString(),
      from: range.from?.toISOString() ?? null,
      to: range.to?.toISOString() ?? null,
      entries,
      postings,
      prev_hash: range.prevHash,
      head_hash: range.headHash,
      opening_balances: await balancesAfter(ctx, range.fromSeq - 1n),
      closing_balances: await balancesAfter(ctx, range.toSeq),
      body_sha256: bodySha256,
      generated_at: new Date().toISOString(),
      transparency: await manifestTransparency(ctx.db, range.toSeq),
    };
  }

  async function trailer(bodySha256: string): Promise<string> {
    return manifestTrailer(format, await manifest(bodySha256));
  }

  return { body: body(), manifest, trailer };
}

/** The manifest as the last line (the last CSV record) of a file of this format. */
export function manifestTrailer(format: LedgerExportFormat, manifest: LedgerManifest): string {
  if (format === 'csv') return stringify([csvManifestRow(manifest)], CSV_STRINGIFY_OPTIONS);
  if (format === 'jsonl') return jsonlManifestLine(manifest);
  return beancountManifestLine(manifest);
}
