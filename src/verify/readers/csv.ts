// CSV ledger export (RFC 4180): a header row, then one row per posting; consecutive rows of
// one entry repeat the entry's fields and number the postings 0, 1, ...
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { type ExportEntry, LEDGER_CSV_COLUMNS } from '../../ledger/export/formats.js';
import { VerifyError } from '../checker.js';
import type { EntryAt } from './types.js';

const ENTRY_COLUMNS = 12; // seq .. hash: the same on every row of one entry
const SEQ = /^\d{1,19}$/;

function entryFrom(row: string[]): ExportEntry {
  return {
    seq: row[0]!, id: row[1]!, occurred_at: row[2]!, recorded_at: row[3]!, kind: row[4]!, description: row[5]!,
    source_type: row[6]!, source_id: row[7]!, actor: row[8]!, reverses_seq: row[9] === '' ? null : row[9]!,
    prev_hash: row[10]!, hash: row[11]!, postings: [],
  };
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

export async function* readCsv(body: AsyncIterable<Buffer>): AsyncGenerator<EntryAt[]> {
  const parser = Readable.from(body).pipe(parse({ raw: true, relax_column_count: false, skip_empty_lines: false }));
  let current: { entry: ExportEntry; line: number; first: string[] } | null = null;
  let batch: EntryAt[] = [];
  let headerSeen = false;
  let nextLine = 1; // counted here from the raw text: a quoted field may span lines
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const line = nextLine;
      nextLine += 1 + countNewlines(raw);
      if (!headerSeen) {
        if (record.join(',') !== LEDGER_CSV_COLUMNS.join(',')) throw new VerifyError(line, `the header row must be ${LEDGER_CSV_COLUMNS.join(',')}`);
        headerSeen = true;
        continue;
      }
      if (!SEQ.test(record[0]!)) throw new VerifyError(line, `seq "${record[0]}" is not a sequence number`);
      if (record[12] === '0') {
        if (current) batch.push({ entry: current.entry, line: current.line });
        current = { entry: entryFrom(record), line, first: record };
        if (batch.length >= 1000) {
          yield batch;
          batch = [];
        }
      } else {
        if (!current || record[0] !== current.first[0]) {
          throw new VerifyError(line, `posting_index ${record[12]} of seq ${record[0]} does not follow posting 0 of the same entry: rows are missing or out of order`);
        }
        if (record[12] !== String(current.entry.postings.length)) {
          throw new VerifyError(line, `posting_index ${record[12]} of seq ${record[0]} where ${current.entry.postings.length} was expected: rows are missing or out of order`);
        }
        for (let i = 1; i < ENTRY_COLUMNS; i++) {
          if (record[i] !== current.first[i]) throw new VerifyError(line, `column ${LEDGER_CSV_COLUMNS[i]} of seq ${record[0]} differs from the entry's first row`);
        }
      }
      current.entry.postings.push({ account: record[13]!, commodity: record[14]!, amount: record[15]!, price: record[16] || null, cost: record[17] || null });
    }
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    throw new VerifyError(nextLine, `not valid CSV: ${(error as Error).message}`);
  }
  if (!headerSeen) throw new VerifyError(1, 'the CSV export has no header row');
  if (current) batch.push({ entry: current.entry, line: current.line });
  if (batch.length > 0) yield batch;
}
