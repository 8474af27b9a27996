// CSV ledger export (RFC 4180): a header row, then one row per posting; consecutive rows of
// one entry repeat the entry's fields and number the postings 0, 1, ...
// Read fast (csv-fast.ts) while the rows are in the exporter's plain form; from the first entry
// the fast path does not read or the chain refuses, the rest of the file goes through the RFC
// 4180 record reader and the checks below, which word any refusal, in file order.
import { StringDecoder } from 'node:string_decoder';
import { type ExportEntry, LEDGER_CSV_COLUMNS } from '../../ledger/pure.js';
import { CanonicalWriter } from '../canonical-writer.js';
import { VerifyError } from '../checker.js';
import { CsvGroup } from './csv-fast.js';
import { type CsvRecord, CsvRecordReader } from './csv-records.js';
import type { EntrySink } from './types.js';

const ENTRY_COLUMNS = 12; // seq .. hash: the same on every row of one entry
const SEQ = /^\d{1,19}$/;
const LF = 0x0a;
const CR = 0x0d;
const HEADER = Buffer.from(LEDGER_CSV_COLUMNS.join(','), 'latin1');

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

/** The slow path: RFC 4180 records, each row checked, each entry given to the sink once its rows end. */
class SlowCsv {
  private readonly decoder = new StringDecoder('utf8');
  private readonly reader: CsvRecordReader;
  private current: { entry: ExportEntry; line: number; first: string[] } | null = null;

  constructor(
    private readonly sink: EntrySink,
    line: number,
    private headerSeen: boolean,
  ) {
    this.reader = new CsvRecordReader(line);
  }

  push(bytes: Buffer): void {
    this.read(this.decoder.write(bytes), false);
  }

  end(): void {
    this.read(this.decoder.end(), true);
    if (!this.headerSeen) throw new VerifyError(1, 'the CSV export has no header row');
    if (this.current) this.sink.add(this.current.entry, this.current.line);
  }

  /** Takes the records of the text; malformed CSV is named after the rows before it are checked (file order). */
  private read(text: string, final: boolean): void {
    const records: CsvRecord[] = [];
    try {
      this.reader.push(text, final, records);
    } catch (error) {
      this.take(records);
      throw error;
    }
    this.take(records);
  }

  private take(records: CsvRecord[]): void {
    for (const { fields: record, line } of records) {
      if (record.length !== LEDGER_CSV_COLUMNS.length) {
        throw new VerifyError(line, `${record.length} fields where a row has ${LEDGER_CSV_COLUMNS.length}`);
      }
      if (!this.headerSeen) {
        if (record.join(',') !== LEDGER_CSV_COLUMNS.join(','))
          throw new VerifyError(line, `the header row must be ${LEDGER_CSV_COLUMNS.join(',')}`);
        this.headerSeen = true;
        continue;
      }
      if (!SEQ.test(record[0]!)) throw new VerifyError(line, `seq "${record[0]}" is not a sequence number`);
      if (record[12] === '0') {
        if (this.current) this.sink.add(this.current.entry, this.current.line);
        this.current = { entry: entryFrom(record), line, first: record };
      } else this.follows(record, line);
      this.current!.entry.postings.push({
        account: record[13]!,
        commodity: record[14]!,
        amount: record[15]!,
        price: record[16] || null,
        cost: record[17] || null,
      });
    }
  }

  /** A row after posting 0 of an entry: the same entry columns and the next posting_index. */
  private follows(record: string[], line: number): void {
    const current = this.current;
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
}

function isHeader(buf: Buffer, start: number, end: number): boolean {
  if (end - start !== HEADER.length) return false;
  for (let i = 0; i < HEADER.length; i++) if (buf[start + i] !== HEADER[i]) return false;
  return true;
}

/** The fast path over whole lines; hands over to a SlowCsv at the first entry it does not take. */
class FastCsv {
  private readonly group = new CsvGroup();
  private readonly writer = new CanonicalWriter();
  /** The bytes after the last whole entry read: the entry whose rows may go on, and a cut line. */
  private rest: Buffer | null = null;
  private restLine = 1;
  private headerSeen = false;

  constructor(private readonly sink: EntrySink) {}

  /** Reads a chunk; returns the slow reader that took over (fed up to the chunk's end), or null. */
  push(chunk: Buffer): SlowCsv | null {
    const region = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const lastLf = region.lastIndexOf(LF);
    if (lastLf === -1) {
      this.rest = region;
      return null;
    }
    return this.lines(region, lastLf + 1, false);
  }

  /** After the last chunk: the last entry; a slow reader if one took over. */
  end(): SlowCsv {
    const rest = this.rest ?? Buffer.alloc(0);
    this.rest = null;
    return this.lines(rest, rest.length, true) ?? new SlowCsv(this.sink, this.restLine, this.headerSeen);
  }

  /** Reads the lines of region[0..upTo); with `final` the body ends at upTo (its last line may lack '\n'). */
  private lines(region: Buffer, upTo: number, final: boolean): SlowCsv | null {
    const g = this.group;
    g.clear();
    let line = this.restLine;
    let start = 0;
    while (start < upTo) {
      let lf = region.indexOf(LF, start);
      if (lf === -1 || lf >= upTo) lf = upTo;
      const end = lf > start && region[lf - 1] === CR ? lf - 1 : lf;
      if (!this.headerSeen) {
        if (!isHeader(region, start, end)) return this.handOver(region, start, line);
        this.headerSeen = true;
      } else if (g.continues(region, start, end)) g.takeSlot(start, end, line);
      else if (!g.read(region, start, end)) return this.handOver(region, start, line);
      else if (g.slotStartsEntry()) {
        if (g.rows > 0) {
          if (!g.slotSeqIsNumber() || !this.take()) return this.handOver(region, start, line);
          g.restart(start, end, line);
        } else g.takeSlot(start, end, line);
      } else if (g.slotContinues()) g.takeSlot(start, end, line);
      else return this.handOver(region, start, line);
      line++;
      start = lf + 1;
    }
    if (final) return g.rows > 0 && !this.take() ? this.handOver(region, upTo, line) : null;
    // The entry being read may go on in the next chunk: read its rows again with it.
    this.rest = g.rows > 0 ? region.subarray(g.start) : start < region.length ? region.subarray(start) : null;
    this.restLine = g.rows > 0 ? g.line : line;
    g.clear();
    return null;
  }

  private take(): boolean {
    const prepared = this.group.prepare(this.writer);
    return prepared !== null && this.sink.tryPrepared(prepared, this.group.line);
  }

  /**
   * The slow reader from the first row of the entry being read (or from the row at `start` when
   * no entry is open), fed everything after it: the sink holds every entry before that one.
   */
  private handOver(region: Buffer, start: number, line: number): SlowCsv {
    const g = this.group;
    const from = g.rows > 0 ? g.start : start;
    const slow = new SlowCsv(this.sink, g.rows > 0 ? g.line : line, this.headerSeen);
    g.clear();
    slow.push(region.subarray(from));
    return slow;
  }
}

/** Reads a CSV body into the sink in file order; `fast` as for readJsonl. */
export async function readCsv(body: AsyncIterable<Buffer>, sink: EntrySink, fast: boolean): Promise<void> {
  let slow: SlowCsv | null = fast ? null : new SlowCsv(sink, 1, false);
  const reader = new FastCsv(sink);
  for await (const chunk of body) {
    if (slow) slow.push(chunk);
    else slow = reader.push(chunk);
  }
  (slow ?? reader.end()).end();
}
