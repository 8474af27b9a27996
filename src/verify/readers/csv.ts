// CSV ledger export (RFC 4180): a header row, then one row per posting; consecutive rows of
// one entry repeat the entry's fields and number the postings 0, 1, ...
import { StringDecoder } from 'node:string_decoder';
import { type ExportEntry, LEDGER_CSV_COLUMNS } from '../../ledger/pure.js';
import { VerifyError } from '../checker.js';
import { type CsvRecord, CsvRecordReader } from './csv-records.js';
import type { EntryAt } from './types.js';

const ENTRY_COLUMNS = 12; // seq .. hash: the same on every row of one entry
const SEQ = /^\d{1,19}$/;

function entryFrom(row: string[]): ExportEntry {
  return {
    seq: row[0]!,
    id: row[1]!,
    occurred_at: row[2]!,
    recorded_at: row[3]!,
    kind: row[4]!,
    description: row[5]!,
    source_type: row[6]!,
    source_id: row[7]!,
    actor: row[8]!,
    reverses_seq: row[9] === '' ? null : row[9]!,
    prev_hash: row[10]!,
    hash: row[11]!,
    postings: [],
  };
}

export async function* readCsv(body: AsyncIterable<Buffer>): AsyncGenerator<EntryAt[]> {
  const decoder = new StringDecoder('utf8');
  const reader = new CsvRecordReader();
  let current: { entry: ExportEntry; line: number; first: string[] } | null = null;
  let headerSeen = false;

  const take = (records: CsvRecord[]): EntryAt[] => {
    const batch: EntryAt[] = [];
    for (const { fields: record, line } of records) {
      if (record.length !== LEDGER_CSV_COLUMNS.length) {
        throw new VerifyError(line, `${record.length} fields where a row has ${LEDGER_CSV_COLUMNS.length}`);
      }
      if (!headerSeen) {
        if (record.join(',') !== LEDGER_CSV_COLUMNS.join(','))
          throw new VerifyError(line, `the header row must be ${LEDGER_CSV_COLUMNS.join(',')}`);
        headerSeen = true;
        continue;
      }
      if (!SEQ.test(record[0]!)) throw new VerifyError(line, `seq "${record[0]}" is not a sequence number`);
      if (record[12] === '0') {
        if (current) batch.push({ entry: current.entry, line: current.line });
        current = { entry: entryFrom(record), line, first: record };
      } else {
        if (!current || record[0] !== current.first[0]) {
          throw new VerifyError(
            line,
            `posting_index ${record[12]} of seq ${record[0]} does not follow posting 0 of the same entry: rows are missing or out of order`,
          );
        }
        if (record[12] !== String(current.entry.postings.length)) {
          throw new VerifyError(
            line,
            `posting_index ${record[12]} of seq ${record[0]} where ${current.entry.postings.length} was expected: rows are missing or out of order`,
          );
        }
        for (let i = 1; i < ENTRY_COLUMNS; i++) {
          if (record[i] !== current.first[i])
            throw new VerifyError(
              line,
              `column ${LEDGER_CSV_COLUMNS[i]} of seq ${record[0]} differs from the entry's first row`,
            );
        }
      }
      current.entry.postings.push({
        account: record[13]!,
        commodity: record[14]!,
        amount: record[15]!,
        price: record[16] || null,
        cost: record[17] || null,
      });
    }
    return batch;
  };

  for await (const chunk of body) yield take(reader.push(decoder.write(chunk)));
  const last = take(reader.push(decoder.end(), true));
  if (!headerSeen) throw new VerifyError(1, 'the CSV export has no header row');
  const open = current as { entry: ExportEntry; line: number } | null; // assigned inside take()
  if (open) last.push({ entry: open.entry, line: open.line });
  yield last;
}
