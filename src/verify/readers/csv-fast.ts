// The fast path of the CSV reader: the rows of one entry read as the bytes the exporter writes
// (csv-stringify or PostgreSQL's COPY: one row a line, a field quoted only around a comma)
// straight into the chain's terms and the entry's canonical bytes. A row it does not read
// exactly (a quote inside a field, a line break or carriage return inside one, a field count
// other than 18) or an entry whose rows do not agree gives "not this", and the reader hands the
// rest of the file to the RFC 4180 record reader and the slow checks, which decide and word it.
import { isUtf8 } from 'node:buffer';
import type { ChainPosting } from '../../ledger/pure.js';
import type { CanonicalWriter } from '../canonical-writer.js';
import { canonicalUnits, commodityText, isBtc, smallSeq, text } from './fast-fields.js';
import type { PreparedEntry } from './types.js';

const COLUMNS = 18;
const INDEX = 12; // posting_index; the columns before it (seq .. hash) are the same on every row of one entry
const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const ZERO = 0x30;
/** Most rows (postings) an entry has on the fast path. */
export const MAX_ROWS = 64;

/** What a byte is in a field: PLAIN, or one the fast path stops at. */
const PLAIN = 0;
const STOP = 1; // '"', ',' or '\r'
const HIGH = 2;
const KIND = new Uint8Array(256);
KIND[QUOTE] = STOP;
KIND[COMMA] = STOP;
KIND[CR] = STOP;
KIND.fill(HIGH, 0x80);

/**
 * The rows of the entry being read: each row's 18 field bounds, 2 numbers a field, and one
 * slot more for the row just read, which either continues the entry or starts the next.
 */
export class CsvGroup {
  private readonly at = new Int32Array((MAX_ROWS + 1) * COLUMNS * 2);
  /** Rows of the entry so far. */
  rows = 0;
  /** No byte >= 0x80 in the entry's rows, and in the row just read. */
  private ascii = true;
  private slotAscii = true;
  /** Where the entry's first row starts and its last row ends; the line of its first row. */
  start = 0;
  end = 0;
  line = 0;
  /** The bytes the rows are in: one buffer for all rows of an entry. */
  private buf: Buffer | null = null;

  /**
   * Reads the row on buf[start..end) (its '\n' excluded, a '\r' before it removed) into the
   * slot after the entry's rows; false when the fast path does not read it.
   */
  read(buf: Buffer, start: number, end: number): boolean {
    this.buf = buf;
    const f = this.rows * COLUMNS * 2;
    return this.fields(buf, start, end, f, f + COLUMNS * 2);
  }

  /**
   * The common row after an entry's first: read as a continuation when its bytes up to
   * posting_index are the first row's (the same bytes parse to the same entry columns, so they
   * are not read again) and its posting_index is the next. False says only "not so": the row
   * is then read whole with read(), which may find it starts an entry or breaks a rule.
   */
  continues(buf: Buffer, start: number, end: number): boolean {
    if (this.rows === 0 || this.rows === MAX_ROWS || buf !== this.buf) return false;
    const at = this.at;
    const first = at[0]!;
    const length = at[2 * INDEX]! - first;
    if (end - start < length) return false;
    for (let i = 0; i < length; i++) if (buf[start + i] !== buf[first + i]) return false;
    const f = this.rows * COLUMNS * 2;
    if (!this.fields(buf, start + length, end, f + 2 * INDEX, f + COLUMNS * 2)) return false;
    at[f] = start;
    return indexIs(buf, at[f + 2 * INDEX]!, at[f + 2 * INDEX + 1]!, this.rows);
  }

  /** Reads fields from buf[i] into at[f..last): exactly that many, to the row's end. */
  private fields(buf: Buffer, i: number, end: number, f: number, last: number): boolean {
    const at = this.at;
    let ascii = true;
    for (;;) {
      if (f === last) return false; // more than 18 fields
      const open = buf[i] === QUOTE ? i + 1 : i;
      if (open > i) {
        // Quoted for a comma it holds: no quote inside (no '""'), no line break or '\r'.
        for (i = open; i < end; i++) {
          const c = buf[i]!;
          if (c === QUOTE) break;
          if (c === CR) return false;
          if (c >= 0x80) ascii = false;
        }
        if (i >= end) return false; // not closed on this line
        at[f++] = open;
        at[f++] = i++;
      } else {
        for (; i < end; i++) {
          const kind = KIND[buf[i]!]!;
          if (kind === PLAIN) continue;
          if (kind === HIGH) ascii = false;
          else break;
        }
        at[f++] = open;
        at[f++] = i;
      }
      if (i >= end) break;
      if (buf[i] !== COMMA) return false; // a quote inside or after a field, or a '\r'
      i++;
      if (i === end) {
        if (f === last) return false;
        at[f++] = i; // the empty last field after a trailing comma
        at[f++] = i;
        break;
      }
    }
    if (f !== last) return false;
    this.slotAscii = ascii;
    return true;
  }

  /** Whether the row just read has posting_index "0": it starts an entry. */
  slotStartsEntry(): boolean {
    const f = this.rows * COLUMNS * 2 + 2 * INDEX;
    return this.at[f + 1]! - this.at[f]! === 1 && this.buf![this.at[f]!] === ZERO;
  }

  /**
   * Whether the row just read has a seq of 1-19 digits, as the slow path checks on every row
   * before a row starting an entry ends the one before it.
   */
  slotSeqIsNumber(): boolean {
    const f = this.rows * COLUMNS * 2;
    const start = this.at[f]!;
    const end = this.at[f + 1]!;
    if (end - start < 1 || end - start > 19) return false;
    for (let i = start; i < end; i++) if (this.buf![i]! < ZERO || this.buf![i]! > ZERO + 9) return false;
    return true;
  }

  /** Whether the row just read repeats the first row's entry columns and carries the next posting_index. */
  slotContinues(): boolean {
    const at = this.at;
    const buf = this.buf!;
    const f = this.rows * COLUMNS * 2;
    if (this.rows === 0 || this.rows === MAX_ROWS) return false;
    // The entry columns as bytes, separators included: equal bytes are equal values.
    const a = at[0]!;
    const b = at[f]!;
    const length = at[2 * INDEX]! - a;
    if (at[f + 2 * INDEX]! - b !== length) return false;
    for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
    return indexIs(buf, at[f + 2 * INDEX]!, at[f + 2 * INDEX + 1]!, this.rows);
  }

  /** Takes the row just read into the entry (as its first row when the entry has none). */
  takeSlot(start: number, end: number, line: number): void {
    if (this.rows === 0) {
      this.start = start;
      this.line = line;
      this.ascii = true;
    }
    this.ascii &&= this.slotAscii;
    this.end = end;
    this.rows++;
  }

  /** Starts a new entry with the row just read (after the entry before it was taken). */
  restart(start: number, end: number, line: number): void {
    const from = this.rows * COLUMNS * 2;
    this.at.copyWithin(0, from, from + COLUMNS * 2);
    this.rows = 0;
    this.takeSlot(start, end, line);
  }

  clear(): void {
    this.rows = 0;
  }

  /** The entry of the rows read, in the chain's terms with its recomputed hash; null if not canonical. */
  prepare(w: CanonicalWriter): PreparedEntry | null {
    const at = this.at;
    const buf = this.buf!;
    if (!this.ascii && !isUtf8(buf.subarray(this.start, this.end))) return null;
    const seq = smallSeq(buf, at[0]!, at[1]!);
    if (seq < 0) return null;
    // 0 seq, 2 id .. 16 actor, 18 reverses_seq ('' is null), 20 prev_hash, 22 hash
    if (at[19]! > at[18]! && smallSeq(buf, at[18]!, at[19]!) < 0) return null;
    if (at[21]! - at[20]! !== 64 || !w.begin(buf, at[20]!)) return null;
    for (let f = 0; f < 20; f += 2) w.field(buf, at[f]!, at[f + 1]!); // an empty field is hashed as null is
    w.count(this.rows);
    const postings: ChainPosting[] = new Array(this.rows);
    for (let r = 0; r < this.rows; r++) {
      const f = r * COLUMNS * 2 + 2 * (INDEX + 1); // account, commodity, amount, price, cost
      const units = canonicalUnits(buf, at[f + 4]!, at[f + 5]!, isBtc(buf, at[f + 2]!, at[f + 3]!));
      if (units === null) return null;
      for (let g = f; g < f + 10; g += 2) w.field(buf, at[g]!, at[g + 1]!);
      postings[r] = {
        account: text(buf, this.ascii, at[f]!, at[f + 1]!),
        commodity: commodityText(buf, this.ascii, at[f + 2]!, at[f + 3]!),
        units,
      };
    }
    const recomputed = w.digest();
    return {
      seq: BigInt(seq),
      prevHash: text(buf, true, at[20]!, at[21]!),
      hash: text(buf, this.ascii, at[22]!, at[23]!),
      postings,
      recomputed,
    };
  }
}

/** Whether buf[start..end) is the decimal text of `index`. */
function indexIs(buf: Buffer, start: number, end: number, index: number): boolean {
  if (index < 10) return end - start === 1 && buf[start] === ZERO + index;
  const digits = String(index);
  if (end - start !== digits.length) return false;
  for (let i = 0; i < digits.length; i++) if (buf[start + i] !== digits.charCodeAt(i)) return false;
  return true;
}
