import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountTypeOf, entryProblems, negatePostings, type NewEntry, scaled } from '../../../src/ledger/model.js';

const base: NewEntry = {
  kind: 'payout.received',
  description: 'payout',
  occurredAt: new Date('2026-11-27T00:00:00Z'),
  source: { type: 'payout', id: 'p1' },
  postings: [
    { account: 'Assets:Bitcoin:vault-a:Available', commodity: 'BTC', amount: 5n },
    { account: 'Income:Mining:hydro-1', commodity: 'BTC', amount: -5n },
  ],
};

describe('ledger model (pure)', () => {
  it('derives the account type from the root name', () => {
    expect(accountTypeOf('Assets:Bitcoin:x:Available')).toBe('asset');
    expect(accountTypeOf('Liabilities:Energy:grid')).toBe('liability');
    expect(accountTypeOf('Expenses:NetworkFees')).toBe('expense');
    expect(() => accountTypeOf('Cash:Box')).toThrow();
  });

  it('accepts a balanced entry and names every problem of a bad one', () => {
    expect(entryProblems(base)).toEqual([]);
    expect(entryProblems({ ...base, source: { type: 'Payout!', id: '' } }).map((e) => e.field)).toEqual([
      'source.type',
      'source.id',
    ]);
    expect(entryProblems({ ...base, occurredAt: new Date('1969-12-31T23:59:59Z') })[0]!.field).toBe('occurred_at');
    expect(entryProblems({ ...base, postings: [base.postings[0]!, { ...base.postings[1]!, amount: -4n }] })).toEqual([
      { field: 'postings', reason: 'must sum to zero per commodity; they do not in BTC' },
    ]);
    expect(
      entryProblems({ ...base, postings: [{ ...base.postings[0]!, account: 'Assets::x' }, base.postings[1]!] })[0]!
        .field,
    ).toBe('postings.0.account');
    expect(
      entryProblems({
        ...base,
        postings: [{ ...base.postings[0]!, price: { amount: new Decimal(-1), commodity: 'USD' } }, base.postings[1]!],
      })[0],
    ).toEqual({
      field: 'postings.0.price.amount',
      reason: 'must be positive',
    });
    expect(
      entryProblems({
        ...base,
        postings: [{ ...base.postings[0]!, amount: 5 as unknown as bigint }, base.postings[1]!],
      })[0]!.reason,
    ).toMatch(/bigint/);
  });

  it('never rounds: 19 fiat decimals are refused, 18 are exact', () => {
    const at = (text: string): NewEntry => ({
      ...base,
      postings: [
        { account: 'Expenses:Energy:s', commodity: 'USD', amount: new Decimal(text) },
        { account: 'Liabilities:Energy:g', commodity: 'USD', amount: new Decimal(text).negated() },
      ],
    });
    expect(entryProblems(at('0.000000000000000001'))).toEqual([]);
    expect(entryProblems(at('0.0000000000000000001'))[0]).toEqual({
      field: 'postings.0.amount',
      reason: 'must have at most 18 decimals',
    });
    expect(scaled(new Decimal('0.000000000000000001'))).toBe(1n);
  });

  it('a negation sums to zero with the original, per commodity (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 18 })),
          { minLength: 1, maxLength: 6 },
        ),
        (legs) => {
          const postings = legs.map(([btc, units, scale]) =>
            btc
              ? { account: 'Assets:A', commodity: 'BTC', amount: units }
              : {
                  account: 'Assets:A',
                  commodity: 'USD',
                  amount: new Decimal(units.toString()).div(new Decimal(10).pow(scale)),
                },
          );
          const negated = negatePostings(postings);
          postings.forEach((p, i) => expect(scaled(p.amount) + scaled(negated[i]!.amount)).toBe(0n));
        },
      ),
    );
  });
});
