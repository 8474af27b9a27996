// An RFC 4180 record reader for the verifier, fed text a chunk at a time. The exporter writes
// with csv-stringify; this reads back several times faster than csv-parse on this machine,
// which `reserve verify` needs for a million postings (property-tested against both libraries).
import { VerifyError } from '../checker.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts; a quoted field may span lines. */
  line: number;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const CR = 13;
const LF = 10;

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

interface Parsed {
  fields: string[];
  /** Index just after the record's line break (or the end of the input). */
  next: number;
  /** Line breaks inside quoted fields. */
  innerLines: number;
}

/**
 * Where the next '"' and '\r' at or after a position are, in the text of one push(): searched
 * again only once passed, so an unquoted field is checked for them without a search of its own
 * (two `includes` per field were ~10% of `reserve verify` on a million-posting CSV).
 */
class NextOf {
  private at = -1;
  private found = -1;
  constructor(
    private readonly buf: string,
    private readonly char: string,
  ) {}
  /** The index of the next char at or after `from`, or Infinity. */
  from(from: number): number {
    if (this.at !== -1 && this.at <= from && this.found >= from) return this.found; // Infinity: none left
    const index = this.buf.indexOf(this.char, from);
    this.at = from;
    this.found = index === -1 ? Infinity : index;
    return this.found;
  }
}

/** One record from `i`, or null when the text ends before the record does (and more may come). */
function parseRecord(
  buf: string,
  i: number,
  final: boolean,
  line: number,
  next: { quote: NextOf; cr: NextOf },
): Parsed | null {
  const n = buf.length;
  const fields: string[] = [];
  let innerLines = 0;
  // The record's line break, unless a quoted field holds it (then it is looked up again).
  let lf = buf.indexOf('\n', i);
  if (lf === -1) {
    if (!final) return null;
    lf = n;
  }
  for (;;) {
    if (buf.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = buf.indexOf('"', from);
        if (close === -1) {
          if (!final) return null;
          throw new VerifyError(line, 'not valid CSV: a quoted field is not closed');
        }
        if (close + 1 >= n && !final) return null; // cannot tell "" from " yet
        value += buf.slice(from, close);
        if (buf.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          from = close + 2;
          continue;
        }
        if (close > lf) {
          innerLines += countNewlines(buf, i + 1, close);
          lf = buf.indexOf('\n', close);
          if (lf === -1) {
            if (!final) return null;
            lf = n;
          }
        }
        i = close + 1;
        break;
      }
      fields.push(value);
    } else {
      const comma = buf.indexOf(',', i);
      let end = comma !== -1 && comma < lf ? comma : lf;
      if (end === lf && end > i && buf.charCodeAt(end - 1) === CR) end--;
      if (next.quote.from(i) < end)
        throw new VerifyError(line + innerLines, 'not valid CSV: a quote inside an unquoted field');
      if (next.cr.from(i) < end)
        throw new VerifyError(line + innerLines, 'not valid CSV: a carriage return not followed by a line feed');
      fields.push(buf.slice(i, end));
      i = end;
    }
    if (i >= n) {
      if (!final) return null;
      return { fields, next: i, innerLines };
    }
    const c = buf.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === LF) return { fields, next: i + 1, innerLines };
    if (c === CR) {
      if (i + 1 >= n && !final) return null;
      if (buf.charCodeAt(i + 1) !== LF)
        throw new VerifyError(line + innerLines, 'not valid CSV: a carriage return not followed by a line feed');
      return { fields, next: i + 2, innerLines };
    }
    throw new VerifyError(line + innerLines, 'not valid CSV: text after a closing quote');
  }
}

export class CsvRecordReader {
  private pending = '';

  /** `line`: the line the first record starts on (a reader taking over in the middle of a file). */
  constructor(private line = 1) {}

  /**
   * Adds text; returns every record it completes, appended to `records`. With `final`, nothing
   * more follows. On malformed CSV it throws, `records` holding the records before it.
   */
  push(text: string, final = false, records: CsvRecord[] = []): CsvRecord[] {
    const buf = this.pending + text;
    let i = 0;
    const next = { quote: new NextOf(buf, '"'), cr: new NextOf(buf, '\r') };
    while (i < buf.length) {
      const parsed = parseRecord(buf, i, final, this.line, next);
      if (!parsed) break;
      records.push({ fields: parsed.fields, line: this.line });
      this.line += parsed.innerLines + 1;
      i = parsed.next;
    }
    this.pending = buf.slice(i);
    return records;
  }
}
