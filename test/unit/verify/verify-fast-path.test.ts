// The fast readers of `reserve verify` (JSON Lines and CSV read from the bytes, without
// JSON.parse or the RFC 4180 reader) may only ever agree with the slow path they stand in for:
// the same summary, or the same refusal at the same line. The slow path runs when onEntry is
// given (the readers then read every entry through JSON.parse / CsvRecordReader).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CANONICAL_VERSION, entryHash, GENESIS_HASH } from '../../../src/ledger/canonical.js';
import {
  CSV_STRINGIFY_OPTIONS,
  csvManifestRow,
  csvRows,
  type ExportEntry,
  type ExportPosting,
  jsonlLine,
  jsonlManifestLine,
  LEDGER_CSV_COLUMNS,
  LEDGER_EXPORT_VERSION,
  type LedgerManifest,
} from '../../../src/ledger/export/formats.js';
import { balanceLines, units } from '../../../src/verify/checker.js';
import { verifyLedgerExport, VerifyError } from '../../../src/verify/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'reserve-verify-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

type Format = 'jsonl' | 'csv';
type Draft = Omit<ExportEntry, 'seq' | 'prev_hash' | 'hash'>;

/** Seq, links and hashes by canonical.ts (not the verifier's code). */
function chain(drafts: Draft[]): ExportEntry[] {
  let prev = GENESIS_HASH;
  return drafts.map((d, i) => {
    // In the exporter's key order (formats.ts ExportEntry; COPY writes the same)
    const entry: ExportEntry = {
      seq: String(i + 1),
      id: d.id,
      occurred_at: d.occurred_at,
      recorded_at: d.recorded_at,
      kind: d.kind,
      description: d.description,
      source_type: d.source_type,
      source_id: d.source_id,
      actor: d.actor,
      reverses_seq: d.reverses_seq,
      prev_hash: prev,
      hash: '',
      postings: d.postings,
    };
    try {
      entry.hash = entryHash(prev, entry);
    } catch {
      entry.hash = 'f'.repeat(64); // no canonical form ('1e3'): the verifier refuses it either way
    }
    prev = entry.hash;
    return entry;
  });
}

function bodyOf(format: Format, entries: ExportEntry[]): string {
  if (format === 'jsonl') return entries.map(jsonlLine).join('');
  return stringify([[...LEDGER_CSV_COLUMNS], ...entries.flatMap(csvRows)], CSV_STRINGIFY_OPTIONS);
}

/** A manifest that states what the entries add up to (closing balances as the verifier sums them). */
function fileOf(format: Format, entries: ExportEntry[], body = bodyOf(format, entries)): string {
  const sums = new Map<string, bigint>();
  for (const e of entries)
    for (const p of e.postings) {
      const key = `${p.account}\u0000${p.commodity}`;
      sums.set(key, (sums.get(key) ?? 0n) + (units(p.commodity, p.amount) ?? 0n));
    }
  const manifest: LedgerManifest = {
    export: LEDGER_EXPORT_VERSION,
    canonical: CANONICAL_VERSION,
    format,
    from_seq: '1',
    to_seq: String(entries.length),
    from: null,
    to: null,
    entries: entries.length,
    postings: entries.reduce((n, e) => n + e.postings.length, 0),
    prev_hash: GENESIS_HASH,
    head_hash: entries.at(-1)?.hash ?? GENESIS_HASH,
    opening_balances: [],
    closing_balances: balanceLines(sums),
    body_sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
    generated_at: '2026-12-01T00:00:00.000Z',
  };
  const last =
    format === 'jsonl' ? jsonlManifestLine(manifest) : stringify([csvManifestRow(manifest)], CSV_STRINGIFY_OPTIONS);
  return body + last;
}

type Outcome = { ok: true; head: string; postings: number } | { ok: false; line: number; reason: string };

async function outcome(path: string, options: Parameters<typeof verifyLedgerExport>[1]): Promise<Outcome> {
  try {
    const s = await verifyLedgerExport(path, options);
    return { ok: true, head: s.head_hash, postings: s.postings };
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    return { ok: false, line: error.line, reason: error.reason };
  }
}

/** Verifies the text both ways: the outcomes must be equal; returns them with the fast path's counts. */
async function both(format: Format, text: string | Buffer) {
  const path = join(dir, `f${++files}.${format}`);
  writeFileSync(path, text);
  const stats = { fast: 0, slow: 0 };
  const fast = await outcome(path, { stats });
  const slow = await outcome(path, { onEntry: () => {} });
  expect(fast).toEqual(slow);
  return { fast, stats };
}

// ---- generators: mostly what the exporter writes, with the odd escape, quote, comma, line break, non-ASCII or non-canonical amount

const plain = fc.stringMatching(/^[A-Za-z0-9 :._-]{0,30}$/);
const odd = fc.constantFrom(
  'a,b',
  'say "hi"',
  'back\\slash',
  'line\nbreak',
  'cr\rhere',
  'tab\t',
  'ünï',
  '😀',
  '\u0001',
  '',
);
const field = fc.oneof({ weight: 6, arbitrary: plain }, { weight: 1, arbitrary: odd });
const btc = fc.bigInt({ min: 1n, max: 21n * 10n ** 14n }).map(String);
const fiat = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 1, max: 99 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom('0.5', '1500', '1500.50', '007', '1e3', '0.123456789012345678', '0.1234567890123456789'),
);
const pair = fc.oneof(
  { weight: 4, arbitrary: btc.map((a) => ['BTC', a] as const) },
  { weight: 1, arbitrary: fiat.map((a) => ['BYN', a] as const) },
  { weight: 1, arbitrary: fc.constantFrom(['BTC', '0070'], ['BTC', '1.5'], ['BTC', '-0']) },
);
const posting = (account: string, [commodity, amount]: readonly [string, string], negate: boolean): ExportPosting => ({
  account,
  commodity,
  amount: negate ? (amount.startsWith('-') ? amount.slice(1) : `-${amount}`) : amount,
  price: null,
  cost: null,
});
const draft: fc.Arbitrary<Draft> = fc
  .record({
    id: field,
    kind: field,
    description: field,
    source_type: plain,
    source_id: field,
    actor: field,
    reverses_seq: fc.option(fc.constantFrom('1', '2', '007'), { freq: 5 }),
    from: field,
    to: field,
    amount: pair,
    price: fc.option(fc.constantFrom('65000.25 USD', 'a,"b"'), { freq: 2 }),
  })
  .map((r) => ({
    id: r.id,
    occurred_at: '2026-11-27T14:30:00.000Z',
    recorded_at: '2026-11-27T14:30:01.250Z',
    kind: r.kind,
    description: r.description,
    source_type: r.source_type,
    source_id: r.source_id,
    actor: r.actor,
    reverses_seq: r.reverses_seq,
    postings: [
      posting(`Assets:${r.from}`, r.amount, false),
      { ...posting(`Income:${r.to}`, r.amount, true), price: r.price },
    ],
  }));
const clean: fc.Arbitrary<Draft> = fc.record({ a: plain, b: plain, sat: btc }).map(({ a, b, sat }) => ({
  id: `ent_${a}`,
  occurred_at: '2026-11-27T14:30:00.000Z',
  recorded_at: '2026-11-27T14:30:01.250Z',
  kind: 'payout.received',
  description: `Payout, ${b}`,
  source_type: 'payout',
  source_id: `pay_${a}`,
  actor: 'fleet',
  reverses_seq: null,
  postings: [posting(`Assets:Bitcoin:${a}`, ['BTC', sat], false), posting(`Income:Mining:${b}`, ['BTC', sat], true)],
}));
const formats = fc.constantFrom<Format>('jsonl', 'csv');

describe('the fast readers agree with the slow ones', () => {
  it('on exports of the exporter form: verified, every entry read fast', async () => {
    await fc.assert(
      fc.asyncProperty(formats, fc.array(clean, { minLength: 1, maxLength: 8 }), async (format, drafts) => {
        const entries = chain(drafts);
        const { fast, stats } = await both(format, fileOf(format, entries));
        expect(fast.ok).toBe(true);
        expect(stats).toEqual({ fast: entries.length, slow: 0 });
      }),
      { numRuns: 60 },
    );
  });

  it('on random entries (escapes, quotes, commas, line breaks, non-ASCII, non-canonical amounts)', async () => {
    let fastEntries = 0;
    await fc.assert(
      fc.asyncProperty(formats, fc.array(draft, { minLength: 1, maxLength: 6 }), async (format, drafts) => {
        fastEntries += (await both(format, fileOf(format, chain(drafts)))).stats.fast;
      }),
      { numRuns: 300 },
    );
    expect(fastEntries).toBeGreaterThan(100); // the fast path was there to disagree
  });

  it('on files with one byte changed, inserted or removed, the manifest re-stating the SHA-256', async () => {
    const bytes = fc.constantFrom(...'"\\,\n\r0123456789-.:{}[]abf n'.split(''), '\u00e9', '\u0000');
    const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'remove'), byte: bytes });
    await fc.assert(
      fc.asyncProperty(formats, fc.array(draft, { minLength: 1, maxLength: 4 }), edit, async (format, drafts, e) => {
        const entries = chain(drafts);
        const body = bodyOf(format, entries);
        const at = e.at % body.length;
        const cut =
          body.slice(0, at) +
          (e.kind === 'remove' ? '' : e.byte) +
          body.slice(e.kind === 'set' || e.kind === 'remove' ? at + 1 : at);
        await both(format, fileOf(format, entries, cut));
      }),
      { numRuns: 400 },
    );
  });
});

describe('each tampering is refused at its line with the fast path on (and as the slow path words it)', () => {
  const drafts = fc.sample(clean, { numRuns: 6, seed: 14 });
  const entries = chain(drafts);
  /** Line of entry seq n: JSON Lines n; CSV 2n (a header, two rows an entry). */
  const lineOf = (format: Format, seq: number) => (format === 'jsonl' ? seq : 2 * seq);
  const editLines = (format: Format, edit: (lines: string[]) => void, restate = true) => {
    const lines = bodyOf(format, entries).split('\n');
    edit(lines);
    const body = lines.join('\n');
    return restate
      ? fileOf(format, entries, body)
      : body + fileOf(format, entries).slice(bodyOf(format, entries).length);
  };
  const refused = async (format: Format, text: string | Buffer, line: number, reason: RegExp) => {
    const { fast, stats } = await both(format, text);
    expect(fast.ok).toBe(false);
    if (fast.ok) return stats;
    expect(fast.line).toBe(line);
    expect(fast.reason).toMatch(reason);
    return stats;
  };

  it.each(['jsonl', 'csv'] as const)('%s: an amount', async (format) => {
    const at = lineOf(format, 3) - 1; // 0-based index of entry 3's (first) line
    const stats = await refused(
      format,
      editLines(
        format,
        (l) => (l[at] = l[at]!.replace(/(\d)(\D*)$/, (_, d, rest) => `${(Number(d) + 1) % 10}${rest}`)),
      ),
      lineOf(format, 3),
      /does not balance|does not match its content/,
    );
    expect(stats.fast).toBe(2); // entries 1 and 2 were read fast
  });

  it.each(['jsonl', 'csv'] as const)('%s: an account', async (format) => {
    const at = lineOf(format, 4) - 1;
    await refused(
      format,
      editLines(format, (l) => (l[at] = l[at]!.replace('Assets:Bitcoin:', 'Assets:Bitcoim:'))),
      lineOf(format, 4),
      /hash \w+ does not match its content/,
    );
  });

  it.each(['jsonl', 'csv'] as const)('%s: a hash', async (format) => {
    const at = lineOf(format, 2) - 1;
    const hash = entries[1]!.hash;
    const other = hash.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    await refused(
      format,
      editLines(format, (l) => {
        l[at] = l[at]!.replace(hash, other);
        if (format === 'csv') l[at + 1] = l[at + 1]!.replace(hash, other);
      }),
      lineOf(format, 2),
      /does not match its content/,
    );
  });

  it.each(['jsonl', 'csv'] as const)('%s: two entries swapped', async (format) => {
    const a = lineOf(format, 3) - 1;
    const b = lineOf(format, 4) - 1;
    const n = format === 'jsonl' ? 1 : 2;
    await refused(
      format,
      editLines(format, (l) => l.splice(a, 2 * n, ...l.slice(b, b + n), ...l.slice(a, a + n))),
      lineOf(format, 3),
      /seq 4 where seq 3 was expected/,
    );
  });

  it.each(['jsonl', 'csv'] as const)('%s: a file cut in the middle of a line, without its manifest', async (format) => {
    const text = fileOf(format, entries);
    await refused(format, text.slice(0, Math.floor(text.length / 2)), 0, /no manifest on the last line/);
  });

  it.each(['jsonl', 'csv'] as const)('%s: the last line cut in half, the manifest kept', async (format) => {
    const text = editLines(
      format,
      (l) => {
        const last = l.length - 2; // l ends with '' after the last line break
        l[last] = l[last]!.slice(0, l[last]!.length >> 1);
      },
      false,
    );
    const stats = await refused(format, text, format === 'jsonl' ? 6 : 13, /not valid JSON|fields where a row has 18/);
    expect(stats.fast).toBe(5);
  });

  it.each(['jsonl', 'csv'] as const)('%s: CRLF line ends verify as LF ones do, read fast', async (format) => {
    const body = bodyOf(format, entries).replaceAll('\n', '\r\n');
    const { fast, stats } = await both(format, fileOf(format, entries, body));
    expect(fast.ok).toBe(true);
    expect(stats.fast).toBe(entries.length);
  });

  it.each(['jsonl', 'csv'] as const)('%s: a BOM is refused at line 1', async (format) => {
    const body = `\ufeff${bodyOf(format, entries)}`;
    await refused(format, fileOf(format, entries, body), 1, format === 'jsonl' ? /not valid JSON/ : /header row/);
  });
});
