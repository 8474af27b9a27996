// JSON Lines ledger export: one entry per line (the manifest line is cut off before this).
import type { ExportEntry } from '../../ledger/pure.js';
import { VerifyError } from '../checker.js';
import { splitLines } from './lines.js';
import type { EntryAt } from './types.js';

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

export async function* readJsonl(body: AsyncIterable<Buffer>): AsyncGenerator<EntryAt[]> {
  for await (const lines of splitLines(body)) {
    const batch: EntryAt[] = [];
    for (const line of lines) {
      if (line.text.length === 0)
        throw new VerifyError(line.number, 'empty line; a JSON Lines export has one entry on every line');
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch {
        throw new VerifyError(line.number, 'not valid JSON');
      }
      const problem = entryShapeProblem(value);
      if (problem) throw new VerifyError(line.number, `not a ledger entry: ${problem}`);
      batch.push({ entry: value as ExportEntry, line: line.number });
    }
    yield batch;
  }
}
