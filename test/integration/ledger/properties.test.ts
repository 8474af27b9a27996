// Property tests over random sequences of postings, reversals and refused entries, against the
// real database: every entry balances, the trial balance sums to zero per commodity, maintained
// balances equal balances recomputed from the entries, the chain verifies, and balances as of
// any cut (by seq and by time) equal the sum of the entries up to it.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/http/problem.js';
import { scaled } from '../../../src/ledger/model.js';
import {
  type NewEntry,
  type PostedEntry,
  type Posting,
  postEntry,
  reverseEntry,
  trialBalance,
  verifyLedger,
} from '../../../src/ledger/service.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
const ctx = () => systemCtx(database);
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

const ACCOUNTS = [
  'Assets:Bitcoin:v1:Available',
  'Assets:Bitcoin:v1:Immature',
  'Income:Mining:s1',
  'Expenses:Energy:s1',
  'Liabilities:Energy:grid',
  'Equity:Opening',
];
const COMMODITIES = ['BTC', 'USD', 'BYN'] as const;
const BASE_TIME = Date.UTC(2026, 0, 1);

function amountOf(commodity: string, units: bigint, scale: number): bigint | Decimal {
  if (commodity === 'BTC') return units;
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return new Decimal(negative ? `-${text}` : text);
}

// At most 3 legs per group, so the balancing posting (minus their sum) stays within the
// ledger's 21,000,000 BTC bound per posting: 3 x 7e14 sat = 2.1e15 sat. Larger legs made the
// generator itself produce entries the ledger rightly refuses (seed -1967520880).
const MAX_LEG_UNITS = 7n * 10n ** 14n;
const legArb = fc.record({
  account: fc.nat(ACCOUNTS.length - 1),
  units: fc.bigInt({ min: -MAX_LEG_UNITS, max: MAX_LEG_UNITS }),
});
const groupArb = fc.record({
  commodity: fc.constantFrom(...COMMODITIES),
  scale: fc.integer({ min: 0, max: 18 }),
  legs: fc.array(legArb, { minLength: 1, maxLength: 3 }),
  balancingAccount: fc.nat(ACCOUNTS.length - 1),
});
const opArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('post' as const),
      groups: fc.array(groupArb, { minLength: 1, maxLength: 2 }),
      minute: fc.nat(100_000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reverse' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('unbalanced' as const), units: fc.bigInt({ min: 1n, max: 10n ** 12n }) }),
  },
);

// The model: every entry the ledger accepted, in seq order.
const accepted: PostedEntry[] = [];
const reversed = new Set<bigint>();
let sourceCounter = 0;

type Group = typeof groupArb extends fc.Arbitrary<infer T> ? T : never;

function buildEntry(op: { groups: Group[]; minute: number }): NewEntry {
  const postings: Posting[] = [];
  const used = new Set<string>();
  for (const g of op.groups) {
    if (used.has(g.commodity)) continue; // one group per commodity keeps the arithmetic simple
    used.add(g.commodity);
    let sum = 0n;
    for (const leg of g.legs) {
      postings.push({
        account: ACCOUNTS[leg.account]!,
        commodity: g.commodity,
        amount: amountOf(g.commodity, leg.units, g.scale),
      });
      sum += leg.units;
    }
    postings.push({
      account: ACCOUNTS[g.balancingAccount]!,
      commodity: g.commodity,
      amount: amountOf(g.commodity, -sum, g.scale),
    });
  }
  return {
    kind: 'prop.post',
    description: 'property test entry',
    occurredAt: new Date(BASE_TIME + op.minute * 60_000),
    source: { type: 'prop', id: String(++sourceCounter) },
    postings,
  };
}

type Sums = Map<string, bigint>;
function sumsOf(entries: PostedEntry[]): Sums {
  const sums: Sums = new Map();
  for (const e of entries)
    for (const p of e.postings)
      sums.set(`${p.account}|${p.commodity}`, (sums.get(`${p.account}|${p.commodity}`) ?? 0n) + scaled(p.amount));
  return new Map([...sums].filter(([, v]) => v !== 0n));
}
function sumsOfRows(rows: { account: string; commodity: string; balance: bigint | Decimal }[]): Sums {
  return new Map(
    rows.map((r) => [`${r.account}|${r.commodity}`, scaled(r.balance)] as const).filter(([, v]) => v !== 0n),
  );
}

async function headHash() {
  const result = await verifyLedger(ctx());
  return result.ok ? result.head_hash : 'broken';
}

describe('ledger properties (fast-check, real database)', () => {
  it('hold over random sequences of postings, reversals and refused entries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.nat(100_000),
        async (ops, cutPick, cutMinute) => {
          for (const op of ops) {
            if (op.op === 'post') {
              accepted.push(await postEntry({ ctx: ctx(), input: buildEntry(op) }));
            } else if (op.op === 'reverse') {
              const candidates = accepted.filter((e) => e.reversesSeq === null && !reversed.has(e.seq));
              if (candidates.length === 0) continue;
              const original = candidates[op.pick % candidates.length]!;
              const reversal = await reverseEntry({
                ctx: ctx(),
                input: {
                  seq: original.seq,
                  reason: 'property test',
                  occurredAt: new Date(original.occurredAt.getTime() + 1),
                },
              });
              reversed.add(original.seq);
              accepted.push(reversal);
              // a reversal is itself never reversed twice
              await expect(
                reverseEntry({
                  ctx: ctx(),
                  input: {
                    seq: original.seq,
                    reason: 'again',
                    source: { type: 'prop', id: `again-${original.seq}` },
                  },
                }),
              ).rejects.toBeInstanceOf(AppError);
            } else {
              const before = await headHash();
              const entry = buildEntry({
                groups: [{ commodity: 'BTC', scale: 0, legs: [{ account: 0, units: op.units }], balancingAccount: 1 }],
                minute: 0,
              });
              entry.postings[1] = { ...entry.postings[1]!, amount: -(op.units - 1n) };
              await expect(postEntry({ ctx: ctx(), input: entry })).rejects.toMatchObject({
                code: 'validation_failed',
              });
              expect(await headHash()).toBe(before); // a refused entry changes nothing
            }
          }
          // the chain verifies, every entry balances, maintained balances equal the entries' sums
          const verified = await verifyLedger(ctx());
          expect(verified).toMatchObject({ ok: true, count: BigInt(accepted.length) });
          for (const e of accepted) {
            const perCommodity = new Map<string, bigint>();
            for (const p of e.postings)
              perCommodity.set(p.commodity, (perCommodity.get(p.commodity) ?? 0n) + scaled(p.amount));
            expect([...perCommodity.values()].every((v) => v === 0n)).toBe(true);
          }
          const now = await trialBalance(ctx());
          expect(now.totals.every((t) => t.total.toString() === '0')).toBe(true);
          expect(sumsOfRows(now.rows)).toEqual(sumsOf(accepted));
          // as of a cut by seq, and by time
          const cutSeq = BigInt(cutPick % (accepted.length + 1)); // 0 (nothing yet) .. the head
          const bySeq = await trialBalance(ctx(), { asOfSeq: cutSeq });
          expect(sumsOfRows(bySeq.rows)).toEqual(sumsOf(accepted.filter((e) => e.seq <= cutSeq)));
          expect(bySeq.totals.every((t) => t.total.toString() === '0')).toBe(true);
          const cutTime = new Date(BASE_TIME + cutMinute * 60_000);
          const byTime = await trialBalance(ctx(), { asOf: cutTime });
          expect(sumsOfRows(byTime.rows)).toEqual(sumsOf(accepted.filter((e) => e.occurredAt <= cutTime)));
        },
      ),
      { numRuns: 10 },
    );
  });
});
