// Byte-level checks shared by the fast readers (jsonl-fast.ts, csv-fast.ts): each answers only
// for the form the exporter writes and says "not this" for anything else, so the reader hands
// that entry to the slow path (JSON.parse or the CSV record reader) which decides and words
// any refusal. Never a verdict of their own on input they do not recognise.
import { parseScaled } from '../decimal.js';

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
const DOT = 0x2e;

/** The value of a sequence number written canonically in 1-15 digits (a safe integer), or -1. */
export function smallSeq(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length < 1 || length > 15) return -1;
  let first = buf[start]!;
  if (first <= ZERO || first > NINE) return -1;
  let value = first - ZERO;
  for (let i = start + 1; i < end; i++) {
    first = buf[i]!;
    if (first < ZERO || first > NINE) return -1;
    value = value * 10 + (first - ZERO);
  }
  return value;
}

/**
 * The posting's amount in units as the checker counts them (satoshis for BTC, 10^-18 for fiat),
 * when its text is already canonical (canonical.ts: no leading or trailing zeros, no "-0", no
 * exponent) and so hashed as written; null otherwise (then the slow path decides).
 */
export function canonicalUnits(buf: Buffer, start: number, end: number, btc: boolean): bigint | null {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative) i++;
  const digitsStart = i;
  let value = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
  }
  const digits = i - digitsStart;
  if (digits === 0) return null;
  if (digits > 1 && buf[digitsStart] === ZERO) return null; // a leading zero
  if (i === end) {
    if (negative && digits === 1 && value === 0) return null; // "-0"
    // Up to 2^53 - 1 the number is exact (a 16-digit value above it is rounded to at least 2^53).
    if (btc && digits <= 16 && value <= Number.MAX_SAFE_INTEGER) return BigInt(negative ? -value : value);
    if (btc) return null; // long: the slow path's regex and BigInt decide
  } else {
    if (btc || buf[i] !== DOT || i + 1 === end) return null; // BTC is whole satoshis
    for (let j = i + 1; j < end; j++) {
      const c = buf[j]!;
      if (c < ZERO || c > NINE) return null;
    }
    if (buf[end - 1] === ZERO) return null; // a trailing fraction zero
  }
  // Fiat (1 posting in 10 of the bench ledger): the same parse as the slow path's.
  return parseScaled(text(buf, true, start, end));
}

const B = 0x42;
const T = 0x54;
const C = 0x43;

/** Node's own slicing decoders, which toString(encoding, start, end) calls after checking its arguments. */
type Slicing = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

/** The text of buf[start..end): ASCII as latin1 (the same code points, no decoding), else UTF-8. */
export function text(buf: Buffer, ascii: boolean, start: number, end: number): string {
  return ascii ? (buf as Slicing).latin1Slice(start, end) : (buf as Slicing).utf8Slice(start, end);
}

export function isBtc(buf: Buffer, start: number, end: number): boolean {
  return end - start === 3 && buf[start] === B && buf[start + 1] === T && buf[start + 2] === C;
}

/** A commodity's text, the common "BTC" without making a string. */
export function commodityText(buf: Buffer, ascii: boolean, start: number, end: number): string {
  return isBtc(buf, start, end) ? 'BTC' : text(buf, ascii, start, end);
}
