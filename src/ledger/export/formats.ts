// The three ledger export formats, entry by entry: pure text building, no database, no HTTP.
// The offline verifier (src/verify) reads exactly what these functions write; docs/ledger.md,
// "Export formats", describes the same for auditors.
import { Decimal } from 'decimal.js';
import type { CanonicalEntry } from '../canonical.js';

export type LedgerExportFormat = 'csv' | 'jsonl' | 'beancount';
export const LEDGER_EXPORT_FORMATS = ['csv', 'jsonl', 'beancount'] as const;
export const LEDGER_EXPORT_VERSION = 'reserve-ledger-export/1';

/** One exported entry: the hashed fields plus its link and its hash. Integers are decimal strings. */
export interface ExportEntry {
  seq: string;
  id: string;
  occurred_at: string;
  recorded_at: string;
  kind: string;
  description: string;
  source_type: string;
  source_id: string;
  actor: string;
  reverses_seq: string | null;
  prev_hash: string;
  hash: string;
  postings: ExportPosting[];
}

export interface ExportPosting {
  account: string;
  commodity: string;
  /** Canonical decimal: satoshis for BTC, the fiat amount otherwise. */
  amount: string;
  price: string | null;
  cost: string | null;
}

export interface BalanceLine {
  account: string;
  commodity: string;
  amount: string;
}

/** The manifest closing every ledger export: what the body must add up to. */
export interface LedgerManifest {
  export: typeof LEDGER_EXPORT_VERSION;
  canonical: string;
  format: LedgerExportFormat;
  /** Inclusive sequence range; to_seq < from_seq when the range holds no entry. */
  from_seq: string;
  to_seq: string;
  /** The time bounds asked for, if any ([from, to) on recorded_at). */
  from: string | null;
  to: string | null;
  entries: number;
  postings: number;
  /** The chain hash before the first entry of the range (64 zeros from seq 1). */
  prev_hash: string;
  /** The chain hash after the last entry of the range. */
  head_hash: string;
  /** Trial balance before the first entry and after the last, per account and commodity, non-zero lines only. */
  opening_balances: BalanceLine[];
  closing_balances: BalanceLine[];
  /** Lowercase hex SHA-256 of every byte of the file before the manifest line. */
  body_sha256: string;
  generated_at: string;
  /** The transparency log at to_seq (docs/transparency.md): tree size, root, a checkpoint holding it. */
  transparency?: ManifestTransparency;
}

export interface ManifestTransparency {
  tree_size: string;
  /** Lowercase hex RFC 6962 root of entries 1..to_seq. */
  root: string;
  /** The first signed checkpoint (with its cosignatures) whose tree holds to_seq, or null if none yet. */
  checkpoint: string | null;
  /** Consistency proof (hex) from tree_size to the checkpoint's size; empty when they are equal. */
  consistency: string[];
}

export function toCanonical(entry: ExportEntry): CanonicalEntry {
  return entry;
}

// ---- CSV: one row per posting; RFC 4180 quoting is left to the CSV library.

export const LEDGER_CSV_COLUMNS = [
  'seq',
  'id',
  'occurred_at',
  'recorded_at',
  'kind',
  'description',
  'source_type',
  'source_id',
  'actor',
  'reverses_seq',
  'prev_hash',
  'hash',
  'posting_index',
  'account',
  'commodity',
  'amount',
  'price',
  'cost',
] as const;

/**
 * csv-stringify options of the export: RFC 4180 quoting, records ended by LF as PostgreSQL's
 * COPY writes them (the server path), and a field holding a CR quoted too, as COPY does.
 */
export const CSV_STRINGIFY_OPTIONS = { record_delimiter: 'unix', quoted_match: /\r/ } as const;

/** The last record of a CSV export: `manifest` in the first column, the manifest JSON in the second. */
export const CSV_MANIFEST_MARKER = 'manifest';

export function csvRows(entry: ExportEntry): string[][] {
  return entry.postings.map((posting, index) => [
    entry.seq,
    entry.id,
    entry.occurred_at,
    entry.recorded_at,
    entry.kind,
    entry.description,
    entry.source_type,
    entry.source_id,
    entry.actor,
    entry.reverses_seq ?? '',
    entry.prev_hash,
    entry.hash,
    String(index),
    posting.account,
    posting.commodity,
    posting.amount,
    posting.price ?? '',
    posting.cost ?? '',
  ]);
}

export function csvManifestRow(manifest: LedgerManifest): string[] {
  const row: string[] = new Array<string>(LEDGER_CSV_COLUMNS.length).fill('');
  row[0] = CSV_MANIFEST_MARKER;
  row[1] = JSON.stringify(manifest);
  return row;
}

// ---- JSON Lines: one entry per line, then `{"manifest": {...}}`.

export function jsonlLine(entry: ExportEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

export function jsonlManifestLine(manifest: LedgerManifest): string {
  return `${JSON.stringify({ manifest })}\n`;
}

// ---- beancount: open and commodity directives, one transaction per entry, `; manifest: {...}` last.

export const BEANCOUNT_MANIFEST_PREFIX = '; manifest: ';

/**
 * Beancount wants every name component to start with a capital or a digit and hold only
 * letters, digits and '-'; ours may not (`vault-a`). The mapping is not reversible, so
 * every posting also carries its exact account in metadata, and the verifier checks both.
 */
export function beancountAccount(account: string): string {
  return account
    .split(':')
    .map((part) => {
      const cleaned = part.replace(/[^A-Za-z0-9-]/g, '-');
      const head = cleaned.charAt(0);
      if (/[A-Z0-9]/.test(head)) return cleaned;
      if (/[a-z]/.test(head)) return head.toUpperCase() + cleaned.slice(1);
      return `X${cleaned}`;
    })
    .join(':');
}

/** BTC is exported in whole bitcoins with 8 decimals (beancount has no satoshi unit); fiat as is. */
export function beancountNumber(commodity: string, amount: string): string {
  if (commodity !== 'BTC') return amount;
  const negative = amount.startsWith('-');
  const digits = (negative ? amount.slice(1) : amount).padStart(9, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** Strings are written as JSON strings: a valid beancount string that decodes exactly. */
const str = (value: string) => JSON.stringify(value);

/** A `price` directive: one whole unit of `commodity` is worth `amount` `currency` on `day`. */
export interface BeancountPrice {
  day: string;
  commodity: string;
  amount: string;
  currency: string;
}

/** The reporting currency and the marks and rates in range, for fava's and bean-query's conversion. */
export interface BeancountValuation {
  operatingCurrency: string;
  prices: BeancountPrice[];
}

/** The account beancount's pad directives draw opening balances from, when a range starts past seq 1. */
export const BEANCOUNT_OPENING_ACCOUNT = 'Equity:Opening-Balances';

export interface BeancountHeaderInput {
  accounts: string[];
  commodities: string[];
  /** Day of the first entry in the range. */
  firstDay: string;
  manifestHint: string;
  operatingCurrency?: string | null;
  /** Balances before the range (manifest opening_balances); padded in on the day before firstDay. */
  opening?: BalanceLine[];
}

/**
 * Options, commodities, and one `open` per account, each carrying the ledger's exact name in
 * `reserve_account` metadata (beancount names are a lossy mapping, docs/exports.md). A range that
 * starts past seq 1 opens with `pad` + `balance` directives, so that its closing assertions hold.
 */
export function beancountHeader(input: BeancountHeaderInput): string {
  const opening = input.opening ?? [];
  const openDate = opening.length > 0 ? dayBefore(input.firstDay) : input.firstDay;
  const names = new Map<string, string>();
  for (const account of input.accounts) names.set(beancountAccount(account), account);
  const lines = [
    `; Reserve ledger export (${LEDGER_EXPORT_VERSION}). ${input.manifestHint}`,
    '; Exact values are in metadata: account, amounts in canonical form, seq, prev_hash and hash.',
    `option "title" "Reserve ledger"`,
    ...(input.operatingCurrency ? [`option "operating_currency" ${str(input.operatingCurrency)}`] : []),
    '',
    ...input.commodities.map((c) => `${openDate} commodity ${c}`),
    ...[...names.keys()].sort().flatMap((a) => [`${openDate} open ${a}`, `  reserve_account: ${str(names.get(a)!)}`]),
  ];
  if (opening.length > 0) {
    if (!names.has(BEANCOUNT_OPENING_ACCOUNT)) lines.push(`${openDate} open ${BEANCOUNT_OPENING_ACCOUNT}`);
    const padded = new Set(opening.map((b) => beancountAccount(b.account)));
    for (const account of [...padded].sort()) lines.push(`${openDate} pad ${account} ${BEANCOUNT_OPENING_ACCOUNT}`);
    lines.push(...beancountBalanceLines(input.firstDay, opening));
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

export function beancountPriceLines(prices: BeancountPrice[]): string {
  if (prices.length === 0) return '';
  const lines = prices.map((p) => `${p.day} price ${p.commodity} ${p.amount} ${p.currency}`);
  return `${lines.join('\n')}\n\n`;
}

/**
 * `balance` assertions at the start of `day` (beancount counts the transactions dated before it).
 * A beancount assertion covers the account and every account below it, so each asserts its subtree.
 */
export function beancountBalanceLines(day: string, balances: BalanceLine[]): string[] {
  const sums = new Map<string, { account: string; commodity: string; sum: Decimal }>();
  for (const b of balances) {
    const parts = beancountAccount(b.account).split(':');
    for (let n = 1; n <= parts.length; n++) {
      const account = parts.slice(0, n).join(':');
      if (n < parts.length && !balances.some((o) => beancountAccount(o.account) === account)) continue;
      const key = `${account} ${b.commodity}`;
      const current = sums.get(key) ?? { account, commodity: b.commodity, sum: new Decimal(0) };
      current.sum = current.sum.plus(b.amount);
      sums.set(key, current);
    }
  }
  return [...sums.values()]
    .sort((a, b) => (a.account === b.account ? (a.commodity < b.commodity ? -1 : 1) : a.account < b.account ? -1 : 1))
    .map((b) => `${day} balance ${b.account}  ${beancountNumber(b.commodity, b.sum.toFixed())} ${b.commodity}`);
}

export function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

export function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function beancountEntry(entry: ExportEntry): string {
  const lines = [
    `${entry.occurred_at.slice(0, 10)} * ${str(entry.kind)} ${str(entry.description)}`,
    `  seq: ${str(entry.seq)}`,
    `  id: ${str(entry.id)}`,
    `  occurred_at: ${str(entry.occurred_at)}`,
    `  recorded_at: ${str(entry.recorded_at)}`,
    `  source_type: ${str(entry.source_type)}`,
    `  source_id: ${str(entry.source_id)}`,
    `  actor: ${str(entry.actor)}`,
  ];
  if (entry.reverses_seq !== null) lines.push(`  reverses_seq: ${str(entry.reverses_seq)}`);
  lines.push(`  prev_hash: ${str(entry.prev_hash)}`, `  hash: ${str(entry.hash)}`);
  for (const posting of entry.postings) {
    lines.push(
      `  ${beancountAccount(posting.account)}  ${beancountNumber(posting.commodity, posting.amount)} ${posting.commodity}`,
    );
    lines.push(`    account: ${str(posting.account)}`, `    amount: ${str(posting.amount)}`);
    if (posting.price !== null) lines.push(`    price: ${str(posting.price)}`);
    if (posting.cost !== null) lines.push(`    cost: ${str(posting.cost)}`);
  }
  return `${lines.join('\n')}\n\n`;
}

export function beancountManifestLine(manifest: LedgerManifest): string {
  return `${BEANCOUNT_MANIFEST_PREFIX}${JSON.stringify(manifest)}\n`;
}
