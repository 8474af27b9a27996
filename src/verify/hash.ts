// The entry hash of canonical.ts, computed without building a Buffer per field: the verifier
// hashes a million entries, and one UTF-8 string per entry is several times cheaper than
// concatenating two dozen small Buffers. A property test holds it equal to entryHash().
// Measured on 100,000 entries of the export bench: 280 ms -> ~140 ms of CPU (the fields' lengths
// taken as UTF-16 lengths when the whole text is ASCII, checked once, instead of 22 byteLength
// calls; crypto.hash on one buffer instead of createHash, two updates and a digest).
import * as crypto from 'node:crypto';
import { CANONICAL_VERSION, canonicalDecimal } from '../ledger/pure.js';
import type { ExportEntry } from '../ledger/pure.js';

const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const HEX_HASH = /^[0-9a-f]{64}$/;
const VERSION_FIELD = `${Buffer.byteLength(CANONICAL_VERSION)}:${CANONICAL_VERSION}`;

// One-shot SHA-256 where the runtime has it (Node 20.12+, crypto.hash): no Hash object per entry.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

/** Lowercase hex SHA-256 of `bytes`, one-shot where the runtime can. */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShot ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The canonical integer text of a sequence number: as it is when already canonical (the usual case). */
function seqText(text: string): string {
  const code = text.charCodeAt(0);
  return code > 0x30 && code <= 0x39 && text.length < 16 && /^\d+$/.test(text) ? text : BigInt(text).toString();
}

/**
 * The canonical text after the version field. `exact` counts each field's UTF-8 bytes; without it
 * each field counts its UTF-16 length, which is the same number when every character is ASCII:
 * the caller checks that for the whole text at once (bytes equal units only when all are ASCII).
 */
const asciiField = (text: string) => `${text.length}:${text}`;
const exactField = (text: string) => `${Buffer.byteLength(text, 'utf8')}:${text}`;

function canonicalText(entry: ExportEntry, exact: boolean): string {
  const field = exact ? exactField : asciiField;
  let text =
    VERSION_FIELD +
    field(seqText(entry.seq)) +
    field(entry.id) +
    field(entry.occurred_at) +
    field(entry.recorded_at) +
    field(entry.kind) +
    field(entry.description) +
    field(entry.source_type) +
    field(entry.source_id) +
    field(entry.actor) +
    field(entry.reverses_seq === null || entry.reverses_seq === undefined ? '' : seqText(entry.reverses_seq)) +
    field(String(entry.postings.length));
  for (const p of entry.postings) {
    const amount = CANONICAL_INTEGER.test(p.amount) ? p.amount : canonicalDecimal(p.amount);
    text += field(p.account) + field(p.commodity) + field(amount) + field(p.price ?? '') + field(p.cost ?? '');
  }
  return text;
}

/** lowercase hex SHA-256( prev_hash as 32 bytes || canonical bytes ), exactly as entryHash(). */
export function fastEntryHash(prevHash: string, entry: ExportEntry, prevChecked = false): string {
  if (!prevChecked && !HEX_HASH.test(prevHash)) throw new Error('prev_hash must be 64 lowercase hex characters');
  let text = canonicalText(entry, false);
  let bytes = Buffer.byteLength(text, 'utf8');
  const ascii = bytes === text.length;
  if (!ascii) {
    text = canonicalText(entry, true); // some field is not ASCII: count its bytes
    bytes = Buffer.byteLength(text, 'utf8');
  }
  if (!oneShot)
    return crypto.createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(text, 'utf8').digest('hex');
  // prev and the text in one buffer, one call: half the cost of a Hash object with two updates.
  // ASCII text is the same bytes in latin1, which V8 writes without encoding.
  const buffer = Buffer.allocUnsafe(32 + bytes);
  buffer.write(prevHash, 0, 'hex');
  buffer.write(text, 32, ascii ? 'latin1' : 'utf8');
  return sha256Hex(buffer);
}
