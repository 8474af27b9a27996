// The fast path of the JSON Lines reader: one line read as the bytes the exporter writes
// (JSON.stringify of an ExportEntry, or PostgreSQL's COPY of the same: fixed key order, no
// spaces, strings without escapes) straight into the chain's terms and the entry's canonical
// bytes, without JSON.parse and without a string per field. Any line not in exactly that form
// (an escape, a control character, other spacing or key order, invalid UTF-8, a seq or amount
// not written canonically) gives null and goes through JSON.parse as before; the property tests
// in test/unit/verify/verify-fast-readers.test.ts and verify-fast-path.test.ts hold the two
// equal wherever this one answers. Profiled on the export bench's 1,000,000 postings,
// JSON.parse was a third of `reserve verify`; with this path, about 2.3x the postings per CPU
// second (docs/ledger.md, "How reserve verify reads a file").
import { isUtf8 } from 'node:buffer';
import type { ChainPosting } from '../../ledger/pure.js';
import type { CanonicalWriter } from '../canonical-writer.js';
import { canonicalUnits, commodityText, isBtc, smallSeq, text } from './fast-fields.js';
import type { PreparedEntry } from './types.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const START = bytes('{"seq":"');
const ENTRY_KEYS = ['id', 'occurred_at', 'recorded_at', 'kind', 'description', 'source_type', 'source_id', 'actor'].map(
  (k) => bytes(`,"${k}":"`),
);
const REVERSES = bytes(',"reverses_seq":');
const PREV = bytes(',"prev_hash":"');
const HASH = bytes(',"hash":"');
const POSTINGS = bytes(',"postings":[');
const ACCOUNT = bytes('{"account":"');
const COMMODITY = bytes(',"commodity":"');
const AMOUNT = bytes(',"amount":"');
const PRICE = bytes(',"price":');
const COST = bytes(',"cost":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** What a byte is inside a JSON string: one table look-up a byte instead of four comparisons. */
const PLAIN = 0;
const CLOSE = 1; // '"'
const REFUSE = 2; // a control character (JSON.parse refuses it raw) or '\\' (an escape: the slow path decodes it)
const HIGH = 3; // part of a UTF-8 sequence: the line is checked with isUtf8
const KIND = new Uint8Array(256);
KIND.fill(REFUSE, 0, 0x20);
KIND[QUOTE] = CLOSE;
KIND[BACKSLASH] = REFUSE;
KIND.fill(HIGH, 0x80);
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const N = 0x6e;
const U = 0x75;
const L = 0x6c;
/** Most postings an entry has on the fast path (more go the slow way). */
const MAX_POSTINGS = 64;

/** Reads one line; field bounds are kept as [start, end) pairs in `at`. */
class LineScan {
  buf!: Buffer;
  pos = 0;
  end = 0;
  /** No byte >= 0x80 seen in a string so far. */
  ascii = true;
  /** The canonical bytes being written, and where the next field goes. */
  out!: Buffer;
  o = 0;
  /** Bounds of every field: the entry's 12 (seq .. hash), then 5 per posting; 2 numbers a field. */
  readonly at = new Int32Array(2 * (12 + 5 * MAX_POSTINGS));
  n = 0;

  reset(buf: Buffer, start: number, end: number, out: Buffer, o: number): void {
    this.buf = buf;
    this.out = out;
    this.o = o;
    this.pos = start;
    this.end = end;
    this.ascii = true;
    this.n = 0;
  }

  literal(lit: Buffer): boolean {
    const buf = this.buf;
    const pos = this.pos;
    if (pos + lit.length > this.end) return false;
    for (let i = 0; i < lit.length; i++) if (buf[pos + i] !== lit[i]) return false;
    this.pos = pos + lit.length;
    return true;
  }

  /** The rest of a string whose opening quote is read; records its bounds and reads the closing quote. */
  string(): boolean {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    for (let i = start; i < end; i++) {
      const kind = KIND[buf[i]!]!;
      if (kind === PLAIN) continue;
      if (kind === CLOSE) {
        this.at[this.n++] = start;
        this.at[this.n++] = i;
        this.pos = i + 1;
        return true;
      }
      if (kind === REFUSE) return false;
      this.ascii = false;
    }
    return false;
  }

  /**
   * As string(), copying the bytes as they are scanned into the canonical form as one field
   * ("<byte length>:<bytes>"): one pass over the line instead of a scan and then a copy.
   */
  field(): boolean {
    const buf = this.buf;
    const end = this.end;
    const out = this.out;
    const start = this.pos;
    const from = this.o;
    let o = from + 3; // room for a two-digit length and ':', the usual case
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      const kind = KIND[c]!;
      if (kind !== PLAIN) {
        if (kind === CLOSE) {
          this.at[this.n++] = start;
          this.at[this.n++] = i;
          this.pos = i + 1;
          this.o = lengthBefore(out, from, i - start);
          return true;
        }
        if (kind === REFUSE) return false;
        this.ascii = false;
      }
      out[o++] = c;
    }
    return false;
  }

  /** As nullable(), copying the field: null is hashed as the empty field "0:". */
  nullableField(): boolean {
    const buf = this.buf;
    const pos = this.pos;
    if (buf[pos] === QUOTE) {
      this.pos = pos + 1;
      return this.field();
    }
    if (!this.nullable()) return false;
    this.out[this.o++] = ZERO;
    this.out[this.o++] = COLON;
    return true;
  }

  /** `null` (recorded as the empty bounds -1, -1) or a string. */
  nullable(): boolean {
    const buf = this.buf;
    const pos = this.pos;
    if (buf[pos] === QUOTE) {
      this.pos = pos + 1;
      return this.string();
    }
    if (pos + 4 > this.end || buf[pos] !== N || buf[pos + 1] !== U || buf[pos + 2] !== L || buf[pos + 3] !== L)
      return false;
    this.pos = pos + 4;
    this.at[this.n++] = -1;
    this.at[this.n++] = -1;
    return true;
  }
}

const scan = new LineScan();
const ZERO = 0x30;
const COLON = 0x3a;

/**
 * Puts the length prefix before a field's `length` bytes written at out[from + 3]: in place
 * for 10-99 bytes, the bytes moved one left for fewer and right for more. Returns the end.
 */
function lengthBefore(out: Buffer, from: number, length: number): number {
  if (length >= 10 && length < 100) {
    out[from] = ZERO + ((length / 10) | 0);
    out[from + 1] = ZERO + (length % 10);
    out[from + 2] = COLON;
    return from + 3 + length;
  }
  if (length < 10) {
    out[from] = ZERO + length;
    out[from + 1] = COLON;
    for (let k = 0; k < length; k++) out[from + 2 + k] = out[from + 3 + k]!;
    return from + 2 + length;
  }
  const digits = String(length);
  out.copyWithin(from + digits.length + 1, from + 3, from + 3 + length);
  out.write(digits, from, 'latin1');
  out[from + digits.length] = COLON;
  return from + digits.length + 1 + length;
}

/**
 * Reads the entry part of a line: bounds of seq .. hash in scan.at[0..24), the canonical
 * fields seq .. reverses_seq written, and 3 bytes kept for the count of postings.
 */
function entryFields(s: LineScan): boolean {
  if (!s.literal(START) || !s.field()) return false;
  for (const key of ENTRY_KEYS) if (!s.literal(key) || !s.field()) return false;
  if (!s.literal(REVERSES) || !s.nullableField()) return false;
  s.o += 3;
  return s.literal(PREV) && s.string() && s.literal(HASH) && s.string();
}

/** Reads the postings array after the entry fields; the count, or -1. */
function postingFields(s: LineScan): number {
  if (!s.literal(POSTINGS)) return -1;
  let count = 0;
  if (s.buf[s.pos] === CLOSE_BRACKET) return -1; // no posting: the slow path words that refusal
  for (;;) {
    if (count === MAX_POSTINGS) return -1;
    if (!s.literal(ACCOUNT) || !s.field() || !s.literal(COMMODITY) || !s.field()) return -1;
    if (!s.literal(AMOUNT) || !s.field() || !s.literal(PRICE) || !s.nullableField()) return -1;
    if (!s.literal(COST) || !s.nullableField() || s.buf[s.pos] !== CLOSE_BRACE) return -1;
    count++;
    const next = s.buf[++s.pos];
    s.pos++;
    if (next === CLOSE_BRACKET) break;
    if (next !== COMMA) return -1;
  }
  return s.buf[s.pos] === CLOSE_BRACE && s.pos + 1 === s.end ? count : -1;
}

/** Writes the count of postings into the 3 bytes kept at `at` (moving the postings for 10 or more); the end. */
function countField(out: Buffer, at: number, count: number, end: number): number {
  if (count < 10) {
    out[at] = ZERO + 1;
    out[at + 1] = COLON;
    out[at + 2] = ZERO + count;
    return end;
  }
  out.copyWithin(at + 4, at + 3, end); // "2:NN": MAX_POSTINGS is 64
  out[at] = ZERO + 2;
  out[at + 1] = COLON;
  out[at + 2] = ZERO + ((count / 10) | 0);
  out[at + 3] = ZERO + (count % 10);
  return end + 1;
}

/**
 * The entry on buf[start..end) (a line without its line break) in the chain's terms with its
 * recomputed hash, or null when the line is not in the exporter's exact form.
 */
export function scanJsonlEntry(buf: Buffer, start: number, end: number, w: CanonicalWriter): PreparedEntry | null {
  const s = scan;
  const countAt = w.fieldsStart;
  // The canonical form is never longer than the line and the 32 + 25 bytes before it, but for
  // length prefixes of fields over 99 bytes: twice the line is room enough.
  s.reset(buf, start, end, w.room(2 * (end - start) + 256), countAt);
  if (!entryFields(s)) return null;
  const postingsAt = s.o;
  const count = postingFields(s);
  if (count < 0) return null;
  if (!s.ascii && !isUtf8(buf.subarray(start, end))) return null;
  const at = s.at;
  const seq = smallSeq(buf, at[0]!, at[1]!);
  if (seq < 0) return null;
  // at: 0 seq, 2 id .. 16 actor, 18 reverses_seq, 20 prev_hash, 22 hash, then 10 per posting
  if (at[18]! >= 0 && smallSeq(buf, at[18]!, at[19]!) < 0) return null;
  if (at[21]! - at[20]! !== 64 || !w.begin(buf, at[20]!)) return null;
  w.end(countField(s.out, postingsAt - 3, count, s.o));
  const postings: ChainPosting[] = new Array(count);
  for (let p = 0, f = 24; p < count; p++, f += 10) {
    const units = canonicalUnits(buf, at[f + 4]!, at[f + 5]!, isBtc(buf, at[f + 2]!, at[f + 3]!));
    if (units === null) return null;
    postings[p] = {
      account: text(buf, s.ascii, at[f]!, at[f + 1]!),
      commodity: commodityText(buf, s.ascii, at[f + 2]!, at[f + 3]!),
      units,
    };
  }
  const recomputed = w.digest();
  return {
    seq: BigInt(seq),
    prevHash: text(buf, true, at[20]!, at[21]!),
    hash: text(buf, s.ascii, at[22]!, at[23]!),
    postings,
    recomputed,
  };
}
