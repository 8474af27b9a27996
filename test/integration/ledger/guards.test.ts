// What the database itself refuses, whatever code writes (raw SQL here, never the service),
// on PGlite and on PostgreSQL; and that the SQL canonical form is byte-identical to canonical.ts.
import { Decimal } from 'decimal.js';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { canonicalBytes, entryHash } from '../../../src/ledger/canonical.js';
import { toCanonical } from '../../../src/ledger/model.js';
import { getBalance, getEntry, postEntry, reverseEntry, verifyLedger } from '../../../src/ledger/service.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { btcEntry } from './helpers.js';

let database: TestDatabase;
const ctx = () => systemCtx(database);
beforeAll(async () => {
  database = await createTestDatabase();
  await postEntry({ ctx: ctx(), input: btcEntry('Assets:Bitcoin:vault-a:Available', 'Income:Mining:hydro-1', 1000n) });
});
afterAll(async () => database.close());

/** Runs statements in one transaction; resolves to the database's error message, or '' when it committed. */
async function attempt(...statements: SQL[]): Promise<string> {
  try {
    await database.db.transaction(async (tx) => {
      for (const s of statements) await tx.execute(s);
    });
    return '';
  } catch (error) {
    let e = error as { message: string; cause?: unknown };
    while (e.cause) e = e.cause as typeof e;
    return e.message;
  }
}

const entryInsert = (id: string, sourceId: string) =>
  sql`insert into ledger_entries (id, occurred_at, kind, description, source_type, source_id, actor)
      values (${id}, '2026-11-27T12:00:00Z', 'raw.sql', 'written behind the service', 'raw', ${sourceId}, 'intruder')`;
const postingInsert = (entryId: string, idx: number, account: string, sats: bigint) =>
  sql`insert into ledger_postings (entry_id, idx, account, commodity, amount_sat) values (${entryId}, ${idx}, ${account}, 'BTC', ${sats})`;

async function count(table: 'ledger_entries' | 'ledger_postings') {
  return rowsOf<{ n: string }>(
    await database.db.execute(sql`select count(*)::text as n from ${sql.identifier(table)}`),
  )[0]!.n;
}

describe('the database refuses', () => {
  it('an unbalanced entry written with raw SQL', async () => {
    const before = await count('ledger_entries');
    const message = await attempt(
      postingInsert('ent_00000000000000000001', 0, 'Assets:Bitcoin:vault-a:Available', 100n),
      postingInsert('ent_00000000000000000001', 1, 'Income:Mining:hydro-1', -99n),
      entryInsert('ent_00000000000000000001', 'r1'),
    );
    expect(message).toMatch(/does not balance in BTC/);
    expect(await count('ledger_entries')).toBe(before);
  });

  it('an entry with a single posting, and postings with no entry', async () => {
    expect(
      await attempt(
        postingInsert('ent_00000000000000000002', 0, 'Assets:Bitcoin:vault-a:Available', 0n),
        entryInsert('ent_00000000000000000002', 'r2'),
      ),
    ).toMatch(/at least two/);
    // the entry foreign key is deferred: it fires at commit
    expect(await attempt(postingInsert('ent_00000000000000000003', 0, 'Assets:Bitcoin:vault-a:Available', 5n))).toMatch(
      /foreign key/,
    );
  });

  it('a posting added to an entry that is already posted', async () => {
    const [e] = rowsOf<{ id: string }>(await database.db.execute(sql`select id from ledger_entries where seq = 1`));
    expect(await attempt(postingInsert(e!.id, 2, 'Assets:Bitcoin:vault-a:Available', 0n))).toMatch(/already posted/);
  });

  it('UPDATE, DELETE and TRUNCATE of entries and postings', async () => {
    const refusals = [
      sql`update ledger_entries set description = 'edited' where seq = 1`,
      sql`delete from ledger_entries where seq = 1`,
      sql`update ledger_postings set amount_sat = amount_sat * 2`,
      sql`delete from ledger_postings`,
      sql`truncate ledger_postings`,
      sql`truncate ledger_entries cascade`,
      sql`update ledger_accounts set type = 'income' where false or true`,
    ];
    for (const statement of refusals) expect(await attempt(statement)).toMatch(/append-only/);
    expect(await count('ledger_postings')).toBe('2');
  });

  it('a second posting of the same source', async () => {
    const balanced = (id: string) => [
      postingInsert(id, 0, 'Assets:Bitcoin:vault-a:Available', 7n),
      postingInsert(id, 1, 'Income:Mining:hydro-1', -7n),
      entryInsert(id, 'same-source'),
    ];
    expect(await attempt(...balanced('ent_00000000000000000004'))).toBe('');
    expect(await attempt(...balanced('ent_00000000000000000005'))).toMatch(/ledger_entries_source_once/);
  });

  it('a forged seq or hash: the append trigger assigns them from the chain head', async () => {
    const id = 'ent_00000000000000000006';
    expect(
      await attempt(
        postingInsert(id, 0, 'Assets:Bitcoin:vault-a:Available', 1n),
        postingInsert(id, 1, 'Income:Mining:hydro-1', -1n),
        sql`insert into ledger_entries (seq, id, occurred_at, kind, description, source_type, source_id, actor, prev_hash, hash)
            values (1000, ${id}, now()::timestamp(3), 'raw.sql', 'forged', 'raw', 'forged', 'intruder', ${'f'.repeat(64)}, ${'e'.repeat(64)})`,
      ),
    ).toBe('');
    const entry = (await getEntry(ctx(), { id }))!;
    const previous = (await getEntry(ctx(), { seq: entry.seq - 1n }))!;
    expect(entry.seq).toBe(previous.seq + 1n);
    expect(entry.prevHash).toBe(previous.hash);
    expect(entry.hash).toBe(entryHash(previous.hash, toCanonical(entry)));
    expect(await verifyLedger(ctx())).toMatchObject({ ok: true });
  });
});

describe('SQL and canonical.ts build the same bytes', () => {
  it('for BTC, fiat with trailing zeros, non-ASCII text, price and cost, and a reversal', async () => {
    const fiat = await postEntry({
      ctx: ctx(),
      input: {
        ...btcEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:belenergo', 0n),
        description: 'Электроэнергия, ноябрь — 1520,50 BYN ✓',
        postings: [
          {
            account: 'Expenses:Energy:hydro-1',
            commodity: 'BYN',
            amount: new Decimal('1520.500'),
            cost: { amount: new Decimal('470.10'), commodity: 'USD' },
          },
          { account: 'Liabilities:Energy:belenergo', commodity: 'BYN', amount: new Decimal('-1520.5') },
          {
            account: 'Assets:Bitcoin:vault-a:Available',
            commodity: 'BTC',
            amount: 1n,
            price: { amount: new Decimal('65000.000'), commodity: 'USD' },
          },
          { account: 'Income:Mining:hydro-1', commodity: 'BTC', amount: -1n },
          { account: 'Expenses:Fees', commodity: 'USD', amount: new Decimal('0') },
          { account: 'Equity:Rounding', commodity: 'USD', amount: new Decimal('-0.000') },
        ],
      },
    });
    const reversal = await reverseEntry({ ctx: ctx(), input: { seq: fiat.seq, reason: 'tariff corrected' } });
    for (const seq of [1n, fiat.seq, reversal.seq]) {
      const [row] = rowsOf<{ bytes: string }>(
        await database.db.execute(
          sql`select encode(ledger_canonical(e), 'hex') as bytes from ledger_entries e where seq = ${seq}`,
        ),
      );
      const entry = (await getEntry(ctx(), { seq }))!;
      expect(row!.bytes).toBe(canonicalBytes(toCanonical(entry)).toString('hex'));
      expect(entryHash(entry.prevHash, toCanonical(entry))).toBe(entry.hash);
    }
    expect((await getBalance(ctx(), 'Expenses:Energy:hydro-1', 'BYN')).toString()).toBe('0');
  });
});
