// The canonical form of a journal entry and its hash: pure, no database, no HTTP.
// docs/ledger.md states the same rules for auditors who recompute the chain in another
// language; the SQL function ledger_canonical() (db/migrations/ledger) builds the same bytes.
import { createHash } from 'node:crypto';

export const CANONICAL_VERSION = 'reserve-ledger-entry/1';
/** prev_hash of the first entry (seq 1): 32 zero bytes, as lowercase hex. */
export const GENESIS_HASH = '0'.repeat(64);

export interface CanonicalPosting {
  account: string;
  commodity: string;
  /** Exact decimal string: satoshis for BTC ("-312500000"), canonical decimal for fiat ("1234.5"). */
  amount: string;
  /** "<per-unit amount> <commodity>" e.g. "65000.25 USD", or null. */
  price?: string | null;
  /** "<total amount> <commodity>" e.g. "2031.25 USD", or null. */
  cost?: string | null;
}

export interface CanonicalEntry {
  seq: bigint | string;
  id: string;
  /** RFC 3339 UTC with exactly 3 fraction digits, as Date.toISOString(): 2026-11-27T14:30:00.000Z */
  occurred_at: string;
  recorded_at: string;
  kind: string;
  description: string;
  source_type: string;
  source_id: string;
  actor: string;
  /** seq of the entry this one reverses, or null. */
  reverses_seq?: bigint | string | null;
  /** In posting order (index 0, 1, ...). */
  postings: CanonicalPosting[];
}

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The canonical decimal text of an amount: no exponent, no plus sign, no leading zeros,
 * no trailing fraction zeros, no trailing point, and zero is "0" (never "-0").
 */
export function canonicalDecimal(value: string | bigint | { toFixed(): string }): string {
  let text = typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : value.toFixed();
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  const negative = text.startsWith('-');
  let digits = negative ? text.slice(1) : text;
  digits = digits.replace(/^0+(?=\d)/, '');
  if (/^0(\.0*)?$/.test(digits)) return '0';
  const out = negative ? `-${digits}` : digits;
  if (!DECIMAL.test(out)) throw new Error(`not a decimal amount: ${String(value)}`);
  return out;
}

/** Timestamps are hashed as Date.toISOString() gives them: UTC, millisecond precision. */
export function canonicalTime(value: Date | string): string {
  const text = typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
  if (!TIMESTAMP.test(text)) throw new Error(`timestamp out of range: ${String(value)}`);
  return text;
}

/** One field: "<byte length in decimal ASCII>:<UTF-8 bytes>" (a netstring without the trailing comma). */
function field(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length}:`, 'ascii'), bytes]);
}

/** The exact bytes hashed for an entry; see docs/ledger.md, "Canonical form". */
export function canonicalBytes(entry: CanonicalEntry): Buffer {
  const parts: string[] = [
    CANONICAL_VERSION,
    BigInt(entry.seq).toString(),
    entry.id,
    entry.occurred_at,
    entry.recorded_at,
    entry.kind,
    entry.description,
    entry.source_type,
    entry.source_id,
    entry.actor,
    entry.reverses_seq === null || entry.reverses_seq === undefined ? '' : BigInt(entry.reverses_seq).toString(),
    String(entry.postings.length),
  ];
  for (const posting of entry.postings) {
    parts.push(
      posting.account,
      posting.commodity,
      canonicalDecimal(posting.amount),
      posting.price ?? '',
      posting.cost ?? '',
    );
  }
  return Buffer.concat(parts.map(field));
}

/** hash = lowercase hex SHA-256( prev_hash as 32 raw bytes || canonicalBytes(entry) ). */
export function entryHash(prevHash: string, entry: CanonicalEntry): string {
  if (!/^[0-9a-f]{64}$/.test(prevHash)) throw new Error('prev_hash must be 64 lowercase hex characters');
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalBytes(entry)).digest('hex');
}
