import { Decimal } from 'decimal.js';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { AppError } from '../../../src/http/problem.js';
import {
  findEntryBySource,
  getBalance,
  getEntry,
  listAccounts,
  openAccount,
  postEntries,
  postEntry,
  readEntries,
  reverseEntry,
  trialBalance,
  verifyLedger,
} from '../../../src/ledger/service.js';
import { GENESIS_HASH, entryHash } from '../../../src/ledger/canonical.js';
import { toCanonical } from '../../../src/ledger/model.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { btcEntry, fiatEntry } from './helpers.js';

let database: TestDatabase;
const ctx = () => systemCtx(database);
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

const AVAILABLE = 'Assets:Bitcoin:vault-a:Available';
const INCOME = 'Income:Mining:hydro-1';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('postEntry', () => {
  it('appends the first entry on the genesis hash, with a hash canonical.ts reproduces', async () => {
    const posted = await postEntry({ ctx: ctx(), input: btcEntry(AVAILABLE, INCOME, 312_500_000n) });
    expect(posted.seq).toBe(1n);
    expect(posted.prevHash).toBe(GENESIS_HASH);
    expect(posted.id).toMatch(/^ent_[0-9a-f]{20}$/);
    expect(posted.actor).toBe('system');
    const stored = await getEntry(ctx(), { seq: 1n });
    expect(entryHash(GENESIS_HASH, toCanonical(stored!))).toBe(posted.hash);
    expect(await getBalance(ctx(), AVAILABLE, 'BTC')).toBe(312_500_000n);
    expect(await getBalance(ctx(), INCOME, 'BTC')).toBe(-312_500_000n);
  });

  it('chains each entry on the previous hash, and maintains fiat balances exactly', async () => {
    const a = await postEntry({
      ctx: ctx(),
      input: fiatEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:belenergo', '1520.50', 'BYN'),
    });
    const b = await postEntry({
      ctx: ctx(),
      input: fiatEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:belenergo', '0.000000000000000001', 'BYN'),
    });
    expect(b.seq).toBe(a.seq + 1n);
    expect(b.prevHash).toBe(a.hash);
    const balance = await getBalance(ctx(), 'Expenses:Energy:hydro-1', 'BYN');
    expect((balance as Decimal).toFixed()).toBe('1520.500000000000000001');
  });

  it('stores price and cost annotations and hashes them', async () => {
    const posted = await postEntry({
      ctx: ctx(),
      input: {
        ...btcEntry(AVAILABLE, INCOME, 1000n),
        postings: [
          {
            account: AVAILABLE,
            commodity: 'BTC',
            amount: 1000n,
            price: { amount: new Decimal('65000.25'), commodity: 'USD' },
            cost: { amount: new Decimal('0.65'), commodity: 'USD' },
          },
          { account: INCOME, commodity: 'BTC', amount: -1000n },
        ],
      },
    });
    const stored = (await getEntry(ctx(), { id: posted.id }))!;
    expect(stored.postings[0]!.price!.amount.toFixed()).toBe('65000.25');
    expect(stored.postings[0]!.cost!.commodity).toBe('USD');
    expect(entryHash(stored.prevHash, toCanonical(stored))).toBe(stored.hash);
  });

  it('refuses the same source twice for a kind (conflict) and writes nothing', async () => {
    const entry = btcEntry(AVAILABLE, INCOME, 5n);
    await postEntry({ ctx: ctx(), input: entry });
    const before = await trialBalance(ctx());
    const error = await rejection(
      postEntry({ ctx: ctx(), input: { ...entry, postings: [...entry.postings].reverse() } }),
    );
    expect(error.code).toBe('conflict');
    expect(await trialBalance(ctx())).toEqual(before);
    expect((await findEntryBySource(ctx(), entry.kind, entry.source))!.postings[0]!.amount).toBe(5n);
    // the same source under another kind is a different fact
    await expect(postEntry({ ctx: ctx(), input: { ...entry, kind: 'test.other' } })).resolves.toMatchObject({
      kind: 'test.other',
    });
  });

  it("a duplicate inside the caller's transaction is a conflict that leaves the transaction usable", async () => {
    const first = btcEntry(AVAILABLE, INCOME, 11n);
    await postEntry({ ctx: ctx(), input: first });
    const later = btcEntry(AVAILABLE, INCOME, 12n);
    await database.db.transaction(async (tx) => {
      const inTx = { ...ctx(), tx: tx as never };
      expect((await rejection(postEntry({ ctx: inTx, input: first }))).code).toBe('conflict');
      await postEntry({ ctx: inTx, input: later });
    });
    expect(await findEntryBySource(ctx(), later.kind, later.source)).not.toBeNull();
    // postEntries is all or nothing: one posted source refuses the batch
    const fresh = btcEntry(AVAILABLE, INCOME, 13n);
    expect((await rejection(postEntries({ ctx: ctx(), input: [fresh, first] }))).code).toBe('conflict');
    expect(await findEntryBySource(ctx(), fresh.kind, fresh.source)).toBeNull();
  });

  it('groups concurrent appends without a transaction, and a duplicate fails only its own caller', async () => {
    const dup = btcEntry(AVAILABLE, INCOME, 21n);
    await postEntry({ ctx: ctx(), input: dup });
    const batch = Array.from({ length: 8 }, (_, i) => btcEntry(AVAILABLE, INCOME, BigInt(100 + i)));
    const results = await Promise.allSettled([...batch, dup].map((e) => postEntry({ ctx: ctx(), input: e })));
    expect(results.slice(0, 8).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[8]).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
    const seqs = results.slice(0, 8).map((r) => (r as PromiseFulfilledResult<{ seq: bigint }>).value.seq);
    expect(new Set(seqs).size).toBe(8);
    expect((await verifyLedger(ctx())).ok).toBe(true);
  });

  it('names each bad field: unbalanced, wrong types, 19 decimals, unknown currency, bad account', async () => {
    const bad = await rejection(
      postEntry({
        ctx: ctx(),
        input: {
          kind: 'Bad Kind',
          description: '',
          occurredAt: new Date('nope'),
          source: { type: 'test', id: 'x' },
          postings: [
            { account: 'Cash', commodity: 'BTC', amount: 1n },
            { account: AVAILABLE, commodity: 'BTC', amount: new Decimal(1) },
            { account: AVAILABLE, commodity: 'XYZ', amount: new Decimal(1) },
            { account: AVAILABLE, commodity: 'USD', amount: new Decimal('0.0000000000000000001') },
          ],
        },
      }),
    );
    expect(bad.code).toBe('validation_failed');
    const fields = bad.options.errors!.map((e) => e.field);
    expect(fields).toEqual([
      'kind',
      'description',
      'occurred_at',
      'postings.0.account',
      'postings.1.amount',
      'postings.2.commodity',
      'postings.3.amount',
    ]);
    const unbalanced = await rejection(
      postEntry({
        ctx: ctx(),
        input: {
          ...btcEntry(AVAILABLE, INCOME, 1n),
          postings: [
            { account: AVAILABLE, commodity: 'BTC', amount: 2n },
            { account: INCOME, commodity: 'BTC', amount: -1n },
          ],
        },
      }),
    );
    expect(unbalanced.options.errors).toEqual([
      { field: 'postings', reason: 'must sum to zero per commodity; they do not in BTC' },
    ]);
    const single = await rejection(
      postEntry({
        ctx: ctx(),
        input: {
          ...btcEntry(AVAILABLE, INCOME, 1n),
          postings: [{ account: AVAILABLE, commodity: 'BTC', amount: 0n }],
        },
      }),
    );
    expect(single.options.errors![0]!.field).toBe('postings');
    const tooMuch = await rejection(
      postEntry({ ctx: ctx(), input: btcEntry(AVAILABLE, INCOME, 2_100_000_000_000_001n) }),
    );
    expect(tooMuch.options.errors![0]!.field).toBe('postings.0.amount');
  });

  it('appends a batch under one lock, in order, all or nothing', async () => {
    const before = (await readEntries(ctx(), { limit: 10_000 })).length;
    const posted = await postEntries({
      ctx: ctx(),
      input: [btcEntry(AVAILABLE, INCOME, 1n), btcEntry(AVAILABLE, INCOME, 2n), btcEntry(AVAILABLE, INCOME, 3n)],
    });
    expect(posted.map((p) => p.seq)).toEqual([posted[0]!.seq, posted[0]!.seq + 1n, posted[0]!.seq + 2n]);
    expect(posted[1]!.prevHash).toBe(posted[0]!.hash);
    const dup = btcEntry(AVAILABLE, INCOME, 4n);
    const error = await rejection(postEntries({ ctx: ctx(), input: [btcEntry(AVAILABLE, INCOME, 9n), dup, dup] }));
    expect(error.code).toBe('conflict');
    expect((await readEntries(ctx(), { limit: 10_000 })).length).toBe(before + 3);
  });

  it('rolls back with the caller: an entry posted in a failed transaction leaves no trace', async () => {
    const balance = await getBalance(ctx(), AVAILABLE, 'BTC');
    await expect(
      database.db.transaction(async (tx) => {
        await postEntry({ ctx: { ...ctx(), tx: tx as never }, input: btcEntry(AVAILABLE, INCOME, 777n) });
        throw new Error('the caller fails after posting');
      }),
    ).rejects.toThrow('the caller fails');
    expect(await getBalance(ctx(), AVAILABLE, 'BTC')).toBe(balance);
    expect((await verifyLedger(ctx())).ok).toBe(true);
  });
});

describe('reverses', () => {
  it('must name an existing, earlier entry', async () => {
    const missing = await rejection(
      postEntry({ ctx: ctx(), input: btcEntry(AVAILABLE, INCOME, 1n, { reverses: 10_000_000n }) }),
    );
    expect(missing.options.errors).toEqual([{ field: 'reverses', reason: 'must be the seq of an earlier entry' }]);
  });
});

describe('reverseEntry', () => {
  it('negates the postings, refers to the original, and refuses a second reversal', async () => {
    const original = await postEntry({
      ctx: ctx(),
      input: btcEntry('Assets:Bitcoin:vault-b:Immature', 'Income:Mining:gas-2', 625_000_000n),
    });
    const reversal = await reverseEntry({ ctx: ctx(), input: { seq: original.seq, reason: 'block 840000 orphaned' } });
    expect(reversal.reversesSeq).toBe(original.seq);
    expect(reversal.kind).toBe('reversal');
    expect(reversal.description).toBe(`Reversal of entry ${original.seq}: block 840000 orphaned`);
    expect(reversal.postings.map((p) => p.amount)).toEqual([-625_000_000n, 625_000_000n]);
    expect(await getBalance(ctx(), 'Assets:Bitcoin:vault-b:Immature', 'BTC')).toBe(0n);
    expect(
      (
        await rejection(
          reverseEntry({
            ctx: ctx(),
            input: { entryId: original.id, reason: 'again', source: { type: 'test', id: 'other' } },
          }),
        )
      ).code,
    ).toBe('conflict');
    expect((await rejection(reverseEntry({ ctx: ctx(), input: { seq: 999_999n, reason: 'x' } }))).code).toBe(
      'not_found',
    );
  });
});

describe('accounts and balances', () => {
  it('creates accounts on first use with the type of their root', async () => {
    const accounts = await listAccounts(ctx(), { prefix: 'Assets:Bitcoin' });
    expect(accounts.map((a) => a.name)).toContain(AVAILABLE);
    expect(accounts.every((a) => a.type === 'asset')).toBe(true);
    const expenses = await listAccounts(ctx(), { prefix: 'Expenses' });
    expect(expenses[0]).toMatchObject({ name: 'Expenses:Energy:hydro-1', type: 'expense' });
    expect(expenses[0]!.balances[0]!.commodity).toBe('BYN');
  });

  it('an account limited to BTC refuses a fiat posting (in the database)', async () => {
    await openAccount({ ctx: ctx(), input: { name: 'Assets:Bitcoin:vault-c:Available', commodities: ['BTC'] } });
    const error = await rejection(
      postEntry({ ctx: ctx(), input: fiatEntry('Assets:Bitcoin:vault-c:Available', 'Equity:Opening', '1', 'USD') }),
    );
    expect(error.code).toBe('validation_failed');
    expect(
      (
        await rejection(
          openAccount({ ctx: ctx(), input: { name: 'Assets:Bitcoin:vault-c:Available', commodities: ['USD'] } }),
        )
      ).code,
    ).toBe('conflict');
  });

  it('the trial balance sums to zero per commodity, now and as of a past seq', async () => {
    const now = await trialBalance(ctx());
    expect(now.totals.map((t) => t.total.toString())).toEqual(now.totals.map(() => '0'));
    const early = await trialBalance(ctx(), { asOfSeq: 1n });
    expect(early.rows).toEqual([
      { account: AVAILABLE, type: 'asset', commodity: 'BTC', balance: 312_500_000n },
      { account: INCOME, type: 'income', commodity: 'BTC', balance: -312_500_000n },
    ]);
  });

  it('verify holds and reports the head', async () => {
    const result = await verifyLedger(ctx());
    const [head] = rowsOf<{ last_seq: string; last_hash: string }>(
      await database.db.execute(sql`select last_seq::text, last_hash from ledger_chain_head`),
    );
    expect(result).toEqual({ ok: true, count: BigInt(head!.last_seq), head_hash: head!.last_hash });
  });
});
