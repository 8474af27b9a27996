import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../../src/ledger/canonical.js';
import type { ExportEntry } from '../../../src/ledger/export/formats.js';
import { LedgerChecker, VerifyError } from '../../../src/verify/checker.js';
import { fastEntryHash } from '../../../src/verify/hash.js';

const text = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1 }),
  fc.constantFrom('a:b', '0:', 'ünï', '😀', 'x'.repeat(300)),
);
const decimal = fc.oneof(
  fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }).map(String),
  fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 1, max: 18 })).map(([u, s]) => {
    const neg = u < 0n;
    const d = (neg ? -u : u).toString().padStart(s + 1, '0');
    return `${neg ? '-' : ''}${d.slice(0, -s)}.${d.slice(-s)}`;
  }),
);
const posting = fc.record({
  account: text,
  commodity: fc.constantFrom('BTC', 'USD', 'BYN'),
  amount: decimal,
  price: fc.option(fc.constantFrom('65000.25 USD', '0.3 USD')),
  cost: fc.option(fc.constantFrom('8.02 USD')),
});
const entry = fc.record({
  seq: fc.bigInt({ min: 1n, max: 2n ** 62n }).map(String),
  id: text,
  occurred_at: fc.constant('2026-11-27T14:30:00.000Z'),
  recorded_at: fc.constant('2026-11-27T14:30:01.250Z'),
  kind: text,
  description: text,
  source_type: text,
  source_id: text,
  actor: text,
  reverses_seq: fc.option(fc.bigInt({ min: 1n, max: 10n ** 12n }).map(String)),
  prev_hash: fc.constant(GENESIS_HASH),
  hash: fc.constant(''),
  postings: fc.array(posting, { minLength: 0, maxLength: 5 }),
});
const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

describe('fastEntryHash', () => {
  it('equals canonical.ts entryHash for any entry', () => {
    fc.assert(
      fc.property(hex, entry, (prev, e) => {
        expect(fastEntryHash(prev, e as ExportEntry)).toBe(entryHash(prev, e as ExportEntry));
      }),
      { numRuns: 500 },
    );
  });

  it('equals entryHash for seq and reverses_seq written with leading zeros, and for non-ASCII fields', () => {
    const digits = fc.bigInt({ min: 0n, max: 10n ** 15n }).map((n) => `00${n}`);
    fc.assert(
      fc.property(
        hex,
        entry,
        digits,
        fc.option(digits),
        fc.constantFrom('ü', '😀', '\u0080', 'a'),
        (prev, e, seq, rev, odd) => {
          const x = { ...e, seq, reverses_seq: rev, description: `${e.description}${odd}` } as ExportEntry;
          expect(fastEntryHash(prev, x)).toBe(entryHash(prev, x));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reproduces the worked example of docs/ledger.md', () => {
    const e: ExportEntry = {
      seq: '1',
      id: 'ent_8f14e45fceea167a5a36',
      occurred_at: '2026-11-27T14:30:00.000Z',
      recorded_at: '2026-11-27T14:30:01.250Z',
      kind: 'payout.received',
      description: 'Payout from pool to site hydro-1',
      source_type: 'payout',
      source_id: 'pay_1',
      actor: 'fleet',
      reverses_seq: null,
      prev_hash: GENESIS_HASH,
      hash: '',
      postings: [
        {
          account: 'Assets:Bitcoin:vault-a:Unconfirmed',
          commodity: 'BTC',
          amount: '312500000',
          price: null,
          cost: null,
        },
        { account: 'Income:Mining:hydro-1', commodity: 'BTC', amount: '-312500000', price: '65000.25 USD', cost: null },
      ],
    };
    expect(fastEntryHash(GENESIS_HASH, e)).toBe('47d9d82ae69428730744251544caaeb55e855a6fd3077d8cb57721e116c43d6b');
  });
});

describe('LedgerChecker', () => {
  const manifest = (over: object = {}) => ({
    export: 'reserve-ledger-export/1' as const,
    canonical: 'reserve-ledger-entry/1',
    format: 'jsonl' as const,
    from_seq: '1',
    to_seq: '1',
    from: null,
    to: null,
    entries: 1,
    postings: 2,
    prev_hash: GENESIS_HASH,
    head_hash: '',
    opening_balances: [],
    closing_balances: [],
    body_sha256: 'a'.repeat(64),
    generated_at: '',
    ...over,
  });
  const e = (amounts: [string, string]): ExportEntry => {
    const x: ExportEntry = {
      seq: '1',
      id: 'ent_1',
      occurred_at: '2026-11-27T14:30:00.000Z',
      recorded_at: '2026-11-27T14:30:00.000Z',
      kind: 'k',
      description: 'd',
      source_type: 's',
      source_id: 'i',
      actor: 'a',
      reverses_seq: null,
      prev_hash: GENESIS_HASH,
      hash: '',
      postings: [
        { account: 'Expenses:Energy:x', commodity: 'BYN', amount: amounts[0], price: null, cost: null },
        { account: 'Liabilities:Energy:y', commodity: 'BYN', amount: amounts[1], price: null, cost: null },
      ],
    };
    x.hash = entryHash(GENESIS_HASH, x);
    return x;
  };

  it('accepts a balanced entry and recomputes the trial balance exactly (18 decimals)', () => {
    const entry = e(['0.000000000000000001', '-0.000000000000000001']);
    const checker = new LedgerChecker(
      manifest({
        head_hash: entry.hash,
        closing_balances: [
          { account: 'Expenses:Energy:x', commodity: 'BYN', amount: '0.000000000000000001' },
          { account: 'Liabilities:Energy:y', commodity: 'BYN', amount: '-0.000000000000000001' },
        ],
      }),
    );
    checker.add(entry, 1);
    expect(checker.finish('a'.repeat(64), 2)).toMatchObject({ entries: 1, postings: 2, head_hash: entry.hash });
  });

  it('refuses an entry off by the smallest unit, naming its line', () => {
    const checker = new LedgerChecker(manifest());
    expect(() => checker.add(e(['1520.5', '-1520.499999999999999999']), 7)).toThrow(VerifyError);
    try {
      checker.add(e(['1520.5', '-1520.499999999999999999']), 7);
    } catch (error) {
      expect(error).toMatchObject({
        line: 7,
        reason: 'entry seq 1 does not balance: its BYN postings sum to 0.000000000000000001, not 0',
      });
    }
  });

  it('names a stored hash that is not hex, and a mixed entry unbalanced in its second commodity', () => {
    const bad = { ...e(['1', '-1']), hash: 'Z'.repeat(64) };
    expect(() => new LedgerChecker(manifest()).add(bad, 3)).toThrow(
      'line 3: entry seq 1: hash is not 64 lowercase hex characters',
    );
    const changed = { ...e(['1', '-1']), description: 'changed' };
    expect(() => new LedgerChecker(manifest()).add(changed, 4)).toThrow(
      /line 4: entry seq 1: hash [0-9a-f]{64} does not match/,
    );
    const mixed = e(['1', '-1']);
    mixed.postings.push(
      { account: 'Assets:Cash', commodity: 'USD', amount: '2', price: null, cost: null },
      { account: 'Equity:Open', commodity: 'USD', amount: '-1', price: null, cost: null },
    );
    expect(() => new LedgerChecker(manifest()).add(mixed, 5)).toThrow(
      'line 5: entry seq 1 does not balance: its USD postings sum to 1, not 0',
    );
  });

  it('keeps the running balance per account and commodity across entries, from the opening balances', () => {
    const first = e(['2', '-2']);
    const second = { ...e(['3', '-3']), seq: '2', prev_hash: first.hash };
    second.hash = entryHash(first.hash, second);
    const checker = new LedgerChecker(
      manifest({
        to_seq: '2',
        entries: 2,
        postings: 4,
        head_hash: second.hash,
        opening_balances: [{ account: 'Expenses:Energy:x', commodity: 'BYN', amount: '10' }],
        closing_balances: [
          { account: 'Expenses:Energy:x', commodity: 'BYN', amount: '15' },
          { account: 'Liabilities:Energy:y', commodity: 'BYN', amount: '-5' },
        ],
      }),
    );
    checker.add(first, 1);
    checker.add(second, 2);
    expect(checker.finish('a'.repeat(64), 3).closing_balances).toEqual([
      { account: 'Expenses:Energy:x', commodity: 'BYN', amount: '15' },
      { account: 'Liabilities:Energy:y', commodity: 'BYN', amount: '-5' },
    ]);
  });

  it('refuses a body whose SHA-256 differs from the manifest', () => {
    const entry = e(['1', '-1']);
    const checker = new LedgerChecker(
      manifest({
        head_hash: entry.hash,
        closing_balances: [
          { account: 'Expenses:Energy:x', commodity: 'BYN', amount: '1' },
          { account: 'Liabilities:Energy:y', commodity: 'BYN', amount: '-1' },
        ],
      }),
    );
    checker.add(entry, 1);
    expect(() => checker.finish('b'.repeat(64), 2)).toThrow(/SHA-256 of the file before the manifest/);
  });
});
