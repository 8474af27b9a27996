// The canonical bytes of an entry (src/ledger/canonical.ts) copied straight from an export's
// bytes, for the verifier's fast readers: a field of an unescaped JSON string or an unquoted or
// plainly quoted CSV field holds exactly the UTF-8 bytes the hash covers, so no string is made
// and no text is encoded again. The hash is recomputed over these bytes: nothing of the
// export's own `hash` goes into it.
import { CANONICAL_VERSION } from '../ledger/pure.js';
import { sha256Hex } from './hash.js';

const VERSION_FIELD = Buffer.from(`${Buffer.byteLength(CANONICAL_VERSION)}:${CANONICAL_VERSION}`, 'utf8');
const COLON = 0x3a;

/** Hex digit values by character code; -1 where a character is not lowercase hex. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

/** Builds `prev_hash bytes || canonical bytes` in one reused buffer and hashes it. */
export class CanonicalWriter {
  private out = CanonicalWriter.fresh(1 << 16);
  private at = 0;

  /** A buffer with the version field in place after the 32 bytes of prev_hash: it never changes. */
  private static fresh(size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    VERSION_FIELD.copy(out, 32);
    return out;
  }

  /**
   * Starts an entry: the 32 bytes of `prev_hash` from its 64 lowercase hex characters at
   * src[start..start+64), then the version field. False when they are not lowercase hex.
   */
  begin(src: Uint8Array, start: number): boolean {
    const out = this.out;
    for (let i = 0; i < 32; i++) {
      const hi = src[start + 2 * i]!;
      const lo = src[start + 2 * i + 1]!;
      const h = hi < 128 ? HEX[hi]! : -1;
      const l = lo < 128 ? HEX[lo]! : -1;
      if ((h | l) < 0) return false;
      out[i] = (h << 4) | l;
    }
    this.at = this.fieldsStart;
    return true;
  }

  /** Where the fields start: after prev_hash's 32 bytes and the version field. */
  get fieldsStart(): number {
    return 32 + VERSION_FIELD.length;
  }

  /** The buffer, with room for `bytes` of fields: for a reader writing the fields itself, then end(). */
  room(bytes: number): Buffer {
    this.at = this.fieldsStart;
    this.roomFor(bytes);
    return this.out;
  }

  /** Where the fields written into room()'s buffer end. */
  end(at: number): void {
    this.at = at;
  }

  /** One field: the decimal byte length, ':', then src[start..end). */
  field(src: Buffer, start: number, end: number): void {
    const length = end - start;
    this.roomFor(length + 24);
    const out = this.out;
    let at = this.length(length);
    out[at++] = COLON;
    // A native copy costs more than a loop below a few dozen bytes (most fields here).
    if (length > 48) at += src.copy(out, at, start, end);
    else for (let i = start; i < end; i++) out[at++] = src[i]!;
    this.at = at;
  }

  /** An empty field ("0:"), as a null price, cost or reverses_seq is hashed. */
  empty(): void {
    this.roomFor(2);
    this.out[this.at++] = 0x30;
    this.out[this.at++] = COLON;
  }

  /** A field holding the decimal digits of a small count (the number of postings). */
  count(value: number): void {
    if (value >= 10) {
      const digits = String(value);
      this.roomFor(digits.length * 2 + 2);
      this.length(digits.length);
      this.out[this.at++] = COLON;
      this.at += this.out.write(digits, this.at, 'latin1');
      return;
    }
    this.roomFor(3);
    this.out[this.at++] = 0x31; // "1:" and the digit
    this.out[this.at++] = COLON;
    this.out[this.at++] = 0x30 + value;
  }

  /** Lowercase hex SHA-256 of everything written since begin(). */
  digest(): string {
    return sha256Hex(this.out.subarray(0, this.at));
  }

  /** Writes the decimal digits of a length; returns the index after them. */
  private length(value: number): number {
    const out = this.out;
    let at = this.at;
    if (value < 10) out[at++] = 0x30 + value;
    else if (value < 100) {
      out[at++] = 0x30 + ((value / 10) | 0);
      out[at++] = 0x30 + (value % 10);
    } else at += out.write(String(value), at, 'latin1');
    this.at = at;
    return at;
  }

  private roomFor(more: number): void {
    if (this.at + more <= this.out.length) return;
    const grown = CanonicalWriter.fresh(Math.max(this.out.length * 2, this.at + more));
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
  }
}
