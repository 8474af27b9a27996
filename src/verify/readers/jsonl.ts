// JSON Lines ledger export: one entry per line (the manifest line is cut off before this).
import type { ExportEntry } from '../../ledger/pure.js';
import { VerifyError } from '../checker.js';
import { CanonicalWriter } from '../canonical-writer.js';
import { scanJsonlEntry } from './jsonl-fast.js';
import type { EntrySink } from './types.js';

const LF = 0x0a;
const CR = 0x0d;

const ENTRY_TEXT_FIELDS = [
  'seq',
  'id',
  'occurred_at',
  'recorded_at',
  'kind',
  'description',
  'source_type',
  'source_id',
  'actor',
  'prev_hash',
  'hash',
] as const;
const POSTING_TEXT_FIELDS = ['account', 'commodity', 'amount'] as const;

/** The reason a parsed line is not an exported entry, or null when it is one. */
export function entryShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const entry = value as Record<string, unknown>;
  for (const field of ENTRY_TEXT_FIELDS)
    if (typeof entry[field] !== 'string') return `field ${field} is missing or not a string`;
  if (!/^\d{1,19}$/.test(entry.seq as string)) return 'field seq is not a decimal sequence number';
  if (entry.reverses_seq !== null && (typeof entry.reverses_seq !== 'string' || !/^\d{1,19}$/.test(entry.reverses_seq)))
    return 'field reverses_seq is neither null nor a sequence number';
  if (!Array.isArray(entry.postings)) return 'field postings is missing or not an array';
  for (const [i, p] of (entry.postings as unknown[]).entries()) {
    if (typeof p !== 'object' || p === null) return `posting ${i} is not an object`;
    const posting = p as Record<string, unknown>;
    for (const field of POSTING_TEXT_FIELDS)
      if (typeof posting[field] !== 'string') return `posting ${i}: field ${field} is missing or not a string`;
    for (const field of ['price', 'cost'] as const) {
      if (posting[field] !== null && typeof posting[field] !== 'string')
        return `posting ${i}: field ${field} is neither null nor a string`;
    }
  }
  return null;
}

/** The slow path: a line through JSON.parse and the shape check; throws a VerifyError naming the line. */
export function parseJsonlLine(text: string, line: number): ExportEntry {
  if (text.length === 0) throw new VerifyError(line, 'empty line; a JSON Lines export has one entry on every line');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerifyError(line, 'not valid JSON');
  }
  const problem = entryShapeProblem(value);
  if (problem) throw new VerifyError(line, `not a ledger entry: ${problem}`);
  return value as ExportEntry;
}

/**
 * Reads a JSON Lines body into the sink, line by line in file order. With `fast`, a line in the
 * exporter's exact form is read by scanJsonlEntry (no JSON.parse); any other line, and any
 * line the chain refuses, is read again by parseJsonlLine and the checker's add(), which name
 * the refusal. Lines end at '\n', a '\r' before it removed; decoded one line at a time, which is
 * the same text as decoding the whole body (no UTF-8 sequence holds the byte '\n').
 */
export async function readJsonl(body: AsyncIterable<Buffer>, sink: EntrySink, fast: boolean): Promise<void> {
  const writer = new CanonicalWriter();
  let number = 0;
  const take = (buf: Buffer, start: number, end: number) => {
    number++;
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
    if (fast) {
      const prepared = scanJsonlEntry(buf, start, stop, writer);
      if (prepared && sink.tryPrepared(prepared, number)) return;
    }
    sink.add(parseJsonlLine(buf.toString('utf8', start, stop), number), number);
  };
  let rest: Buffer | null = null; // the start of a line that the last chunk cut
  for await (const chunk of body) {
    let start = 0;
    if (rest) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      const joined = Buffer.concat([rest, chunk.subarray(0, lf)]);
      take(joined, 0, joined.length);
      start = lf + 1;
    }
    for (let lf = chunk.indexOf(LF, start); lf !== -1; lf = chunk.indexOf(LF, start)) {
      take(chunk, start, lf);
      start = lf + 1;
    }
    rest = start < chunk.length ? chunk.subarray(start) : null;
  }
  if (rest) take(rest, 0, rest.length);
}
