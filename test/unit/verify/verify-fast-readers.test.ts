// Below the checker: whatever the bytes and however they are cut into chunks, an entry the
// fast JSON Lines and CSV readers prepare is exactly what the slow path makes of the same
// entry (JSON.parse or the RFC 4180 reader, then units() and canonical.ts's entryHash), and
// a refusal is the slow path's. The sink here takes every entry, so no hash check hides a
// difference: the values themselves must agree.
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../../src/ledger/canonical.js';
import {
  CSV_STRINGIFY_OPTIONS,
  csvRows,
  type ExportEntry,
  jsonlLine,
  LEDGER_CSV_COLUMNS,
} from '../../../src/ledger/export/formats.js';
import { units } from '../../../src/verify/checker.js';
import { readCsv } from '../../../src/verify/readers/csv.js';
import { readJsonl } from '../../../src/verify/readers/jsonl.js';
import type { EntrySink, PreparedEntry } from '../../../src/verify/readers/types.js';
import { VerifyError } from '../../../src/verify/verify.js';

type Read = { how: 'fast' | 'slow'; line: number; value: unknown };

/** What the chain would be given for an entry read the slow way. */
function derive(e: ExportEntry) {
  let recomputed: string | null;
  try {
    recomputed = entryHash(e.prev_hash, e);
  } catch {
    recomputed = null;
  }
  return {
    seq: BigInt(e.seq),
    prevHash: e.prev_hash,
    hash: e.hash,
    postings: e.postings.map((p) => ({
      account: p.account,
      commodity: p.commodity,
      units: units(p.commodity, p.amount),
    })),
    recomputed,
  };
}

const prepared = (p: PreparedEntry) => ({ ...p, postings: p.postings.map((x) => ({ ...x })) });

async function readAll(format: 'jsonl' | 'csv', chunks: Buffer[], fast: boolean) {
  const reads: Read[] = [];
  const sink: EntrySink = {
    tryPrepared: (entry, line) => reads.push({ how: 'fast', line, value: prepared(entry) }) > 0,
    add: (entry, line) => void reads.push({ how: 'slow', line, value: derive(entry) }),
  };
  const body = (async function* () {
    yield* chunks;
  })();
  let error: { line: number; reason: string } | null = null;
  try {
    await (format === 'jsonl' ? readJsonl : readCsv)(body, sink, fast);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    error = { line: e.line, reason: e.reason };
  }
  return { reads, error };
}

function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) break;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length) chunks.push(bytes.subarray(at));
  return chunks;
}

const plain = fc.stringMatching(/^[A-Za-z0-9 :._-]{0,20}$/);
const odd = fc.constantFrom('a,b', '"q"', 'b\\s', 'l\nb', 'c\rr', 'ü', '😀', '\u0001', '', '\u2028');
const text = fc.oneof({ weight: 12, arbitrary: plain }, { weight: 1, arbitrary: odd });
// Mostly what the exporter writes, sometimes what it does not (the fast path must then step aside).
const amount = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('0', '-0', '007', '1.5', '1.50', '-0.25', '1e3', '9007199254740993', '.5', '5.'),
  },
);
const entry: fc.Arbitrary<ExportEntry> = fc
  .record({
    seq: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1, max: 10 ** 9 }).map(String) },
      { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 19n - 1n }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('0', '01', '12', '9007199254740993') },
    ),
    id: text,
    kind: text,
    description: text,
    actor: text,
    reverses_seq: fc.option(fc.constantFrom('3', '03', '', 'x'), { freq: 4 }),
    prev_hash: fc.oneof(
      { weight: 6, arbitrary: fc.constant(GENESIS_HASH) },
      { weight: 1, arbitrary: fc.constantFrom('AB'.repeat(32), 'ab'.repeat(31), 'g'.repeat(64)) },
    ),
    postings: fc.array(
      fc.record({
        account: text,
        commodity: fc.constantFrom('BTC', 'BTC', 'BTC', 'BYN', 'BT', 'ü'),
        amount,
        price: fc.option(text, { freq: 3 }),
        cost: fc.option(text, { freq: 3 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((r) => {
    const e: ExportEntry = {
      seq: r.seq,
      id: r.id,
      occurred_at: '2026-11-27T14:30:00.000Z',
      recorded_at: '2026-11-27T14:30:01.250Z',
      kind: r.kind,
      description: r.description,
      source_type: 'payout',
      source_id: r.id,
      actor: r.actor,
      reverses_seq: r.reverses_seq,
      prev_hash: r.prev_hash,
      hash: '',
      postings: r.postings,
    };
    try {
      e.hash = entryHash(e.prev_hash, e);
    } catch {
      e.hash = 'not a hash';
    }
    return e;
  });

function bytesOf(format: 'jsonl' | 'csv', entries: ExportEntry[]): Buffer {
  if (format === 'jsonl') return Buffer.from(entries.map(jsonlLine).join(''));
  return Buffer.from(stringify([[...LEDGER_CSV_COLUMNS], ...entries.flatMap(csvRows)], CSV_STRINGIFY_OPTIONS));
}

const edit = fc.option(
  fc.record({
    at: fc.nat(),
    remove: fc.boolean(),
    byte: fc.constantFrom(...Buffer.from('"\\,\n\r0-.:{}[]an ', 'latin1'), 0x00, 0xc3, 0xa9, 0xff),
  }),
  { freq: 2 },
);

describe('fast readers prepare what the slow path reads', () => {
  it.each(['jsonl', 'csv'] as const)('%s: any entries, any chunking, one byte edited or not', async (format) => {
    let fastCount = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 6 }),
        edit,
        fc.boolean(),
        async (entries, sizes, e, crlf) => {
          let bytes = bytesOf(format, entries);
          if (crlf) bytes = Buffer.from(bytes.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
          if (e) {
            const at = e.at % bytes.length;
            bytes = Buffer.concat([
              bytes.subarray(0, at),
              e.remove ? Buffer.alloc(0) : Buffer.from([e.byte]),
              bytes.subarray(at + 1),
            ]);
          }
          const fast = await readAll(format, cut(bytes, sizes), true);
          const slow = await readAll(format, [bytes], false);
          fastCount += fast.reads.filter((r) => r.how === 'fast').length;
          expect(fast.error).toEqual(slow.error);
          expect(fast.reads.map((r) => ({ line: r.line, value: r.value }))).toEqual(
            slow.reads.map((r) => ({ line: r.line, value: r.value })),
          );
        },
      ),
      { numRuns: 400 },
    );
    expect(fastCount).toBeGreaterThan(50);
  });

  it('a BOM before the first line: the slow path names it, for both formats', async () => {
    const e = fc.sample(entry, { numRuns: 1, seed: 7 })[0]!;
    for (const format of ['jsonl', 'csv'] as const) {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytesOf(format, [e])]);
      const fast = await readAll(format, [bytes], true);
      expect(fast.reads.filter((r) => r.how === 'fast')).toEqual([]);
      expect(fast.error?.line).toBe(1);
      expect(fast.error).toEqual((await readAll(format, [bytes], false)).error);
    }
  });
});
