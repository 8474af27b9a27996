import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_STRINGIFY_OPTIONS } from '../../../src/ledger/export/formats.js';
import type { VerifyError } from '../../../src/verify/checker.js';
import { CsvRecordReader } from '../../../src/verify/readers/csv-records.js';

const field = fc.oneof(
  fc.string(),
  fc.constantFrom('', '"', '""', ',', '\n', '\r\n', 'a,b', 'say "hi"', 'line\nbreak', 'ünïcødé — ✓', ' padded '),
  fc.string({ unit: fc.constantFrom('a', '"', ',', '\n', '\r', ' ', 'é') }),
);
const records = fc.array(fc.array(field, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 20 });

/** Feeds the text cut at the given points, as a stream would deliver it. */
function readAll(text: string, cuts: number[]) {
  const reader = new CsvRecordReader();
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out = [];
  let from = 0;
  for (const p of points) {
    out.push(...reader.push(text.slice(from, p)));
    from = p;
  }
  out.push(...reader.push(text.slice(from), true));
  return out;
}

describe('CsvRecordReader (RFC 4180)', () => {
  it('reads back what the export writes (csv-stringify), whatever the chunking, as csv-parse does', () => {
    fc.assert(
      fc.property(records, fc.array(fc.nat(), { maxLength: 8 }), (rows, cuts) => {
        const text = stringify(rows, CSV_STRINGIFY_OPTIONS);
        const read = readAll(text, cuts);
        expect(read.map((r) => r.fields)).toEqual(rows);
        expect(read.map((r) => r.fields)).toEqual(parse(text, { relax_column_count: true }));
        // Each record starts on the line after the previous one's last line.
        let line = 1;
        read.forEach((r, i) => {
          expect(r.line).toBe(line);
          line += 1 + rows[i]!.join('').split('\n').length - 1;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reads LF-only files too', () => {
    expect(readAll('a,"b\nc"\nd,e\n', [3]).map((r) => [r.fields, r.line])).toEqual([
      [['a', 'b\nc'], 1],
      [['d', 'e'], 3],
    ]);
  });

  it('names the line of malformed CSV', () => {
    const bad = (text: string) => {
      try {
        readAll(text, []);
      } catch (error) {
        return error as VerifyError;
      }
      throw new Error('accepted');
    };
    expect(bad('a,b\nc,"d\n')).toMatchObject({ line: 2, reason: expect.stringMatching(/not closed/) });
    expect(bad('a,b\nc,d"e\n')).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/quote inside an unquoted field/),
    });
    expect(bad('a,b\n"c"x,d\n')).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/text after a closing quote/),
    });
    expect(bad('a,"b\n\n"\nc,d\re\n')).toMatchObject({ line: 4, reason: expect.stringMatching(/carriage return/) });
  });
});
