import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  type CanonicalEntry,
  canonicalBytes,
  canonicalDecimal,
  canonicalTime,
  entryHash,
  GENESIS_HASH,
} from '../../../src/ledger/canonical.js';

const entry1: CanonicalEntry = {
  seq: 1n,
  id: 'ent_8f14e45fceea167a5a36',
  occurred_at: '2026-11-27T14:30:00.000Z',
  recorded_at: '2026-11-27T14:30:01.250Z',
  kind: 'payout.received',
  description: 'Payout from pool to site hydro-1',
  source_type: 'payout',
  source_id: 'pay_1',
  actor: 'fleet',
  reverses_seq: null,
  postings: [
    { account: 'Assets:Bitcoin:vault-a:Unconfirmed', commodity: 'BTC', amount: '312500000' },
    { account: 'Income:Mining:hydro-1', commodity: 'BTC', amount: '-312500000', price: '65000.25 USD' },
  ],
};
const entry2: CanonicalEntry = {
  ...entry1,
  seq: 2n,
  id: 'ent_c9f0f895fb98ab9159f5',
  occurred_at: '2026-11-30T23:59:59.999Z',
  recorded_at: '2026-11-27T14:31:00.000Z',
  kind: 'energy.consumed',
  description: 'Energy, November',
  source_type: 'production_report',
  source_id: 'rep_7',
  actor: 'key_3f2a9c0d1e4b5a6c7d8e',
  postings: [
    { account: 'Expenses:Energy:hydro-1', commodity: 'BYN', amount: '1520.50' },
    { account: 'Liabilities:Energy:belenergo', commodity: 'BYN', amount: '-1520.5' },
  ],
};

describe('canonical form (the worked example in docs/ledger.md)', () => {
  it('produces the documented bytes and hashes', () => {
    expect(canonicalBytes(entry1).toString('utf8')).toBe(
      '22:reserve-ledger-entry/11:124:ent_8f14e45fceea167a5a3624:2026-11-27T14:30:00.000Z24:2026-11-27T14:30:01.250Z15:payout.received32:Payout from pool to site hydro-16:payout5:pay_15:fleet0:1:234:Assets:Bitcoin:vault-a:Unconfirmed3:BTC9:3125000000:0:21:Income:Mining:hydro-13:BTC10:-31250000012:65000.25 USD0:',
    );
    const h1 = entryHash(GENESIS_HASH, entry1);
    expect(h1).toBe('47d9d82ae69428730744251544caaeb55e855a6fd3077d8cb57721e116c43d6b');
    expect(entryHash(h1, entry2)).toBe('c000b0dc48ddc2b4091b59cf40e0c347a37be6cf3301ffb7d34b7159217e6e20');
  });

  it('counts UTF-8 bytes, not characters (7 Cyrillic x 2 + space + euro x 3 = 18)', () => {
    const bytes = canonicalBytes({ ...entry1, description: 'Выплата €' }).toString('utf8');
    expect(bytes).toContain('18:Выплата €');
  });

  it('changes the hash when any field changes', () => {
    const base = entryHash(GENESIS_HASH, entry1);
    const variants: CanonicalEntry[] = [
      { ...entry1, seq: 2n },
      { ...entry1, description: 'Payout from pool to site hydro-2' },
      { ...entry1, reverses_seq: 7n },
      { ...entry1, postings: [entry1.postings[1]!, entry1.postings[0]!] },
      { ...entry1, postings: [entry1.postings[0]!, { ...entry1.postings[1]!, price: null }] },
    ];
    for (const v of variants) expect(entryHash(GENESIS_HASH, v)).not.toBe(base);
    expect(entryHash('1'.repeat(64), entry1)).not.toBe(base);
  });

  it('writes decimals canonically', () => {
    expect(canonicalDecimal('1520.50')).toBe('1520.5');
    expect(canonicalDecimal('100.00')).toBe('100');
    expect(canonicalDecimal('-0.000')).toBe('0');
    expect(canonicalDecimal('007.10')).toBe('7.1');
    expect(canonicalDecimal(new Decimal('1e-20'))).toBe('0.00000000000000000001');
    expect(canonicalDecimal(-312500000n)).toBe('-312500000');
    expect(() => canonicalDecimal('1e5')).toThrow();
  });

  it('canonicalDecimal is the identity on its own output and agrees with decimal.js (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 18 }),
        (units, scale) => {
          const d = new Decimal(units.toString()).div(new Decimal(10).pow(scale));
          const text = canonicalDecimal(d);
          expect(canonicalDecimal(text)).toBe(text);
          expect(new Decimal(text).eq(d)).toBe(true);
        },
      ),
    );
  });

  it('prints timestamps with millisecond precision in UTC', () => {
    expect(canonicalTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    expect(canonicalTime('2026-01-02T06:04:05.006+03:00')).toBe('2026-01-02T03:04:05.006Z');
  });
});
