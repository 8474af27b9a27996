// verify() against rows altered behind the service's back (append-only guard disabled here,
// as an intruder with the database owner's rights would): it names the exact seq and why.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEntry, verifyLedger } from '../../../src/ledger/service.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { btcEntry, fiatEntry } from './helpers.js';

let database: TestDatabase;
const ctx = () => systemCtx(database);
const ids: string[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  for (let i = 1; i <= 6; i++) {
    const entry =
      i % 2
        ? btcEntry('Assets:Bitcoin:vault-a:Available', 'Income:Mining:hydro-1', BigInt(i * 1000))
        : fiatEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:grid', `${i}.25`);
    ids.push((await postEntry({ ctx: ctx(), input: entry })).id);
  }
});
afterAll(async () => database.close());

/** Runs `statement` with the guards off, then turns them back on. */
async function behindTheService(...statements: ReturnType<typeof sql>[]) {
  await database.db.execute(sql`alter table ledger_entries disable trigger ledger_entries_append_only`);
  await database.db.execute(sql`alter table ledger_postings disable trigger ledger_postings_append_only`);
  try {
    for (const statement of statements) await database.db.execute(statement);
  } finally {
    await database.db.execute(sql`alter table ledger_entries enable trigger ledger_entries_append_only`);
    await database.db.execute(sql`alter table ledger_postings enable trigger ledger_postings_append_only`);
  }
}

describe('verify after tampering', () => {
  it('holds before anything is touched', async () => {
    expect(await verifyLedger(ctx())).toMatchObject({ ok: true, count: 6n });
  });

  it('an edited description: hash mismatch at exactly that seq', async () => {
    await behindTheService(sql`update ledger_entries set description = 'nothing to see' where seq = 4`);
    const result = await verifyLedger(ctx());
    expect(result).toMatchObject({ ok: false, seq: 4n });
    expect(result.ok === false && result.reason).toMatch(/^hash mismatch/);
    await behindTheService(sql`update ledger_entries set description = 'move 4.25 USD' where seq = 4`);
    expect(await verifyLedger(ctx())).toMatchObject({ ok: true });
  });

  it('one posting amount changed: the entry no longer balances, named by seq', async () => {
    await behindTheService(sql`update ledger_postings set amount_sat = 2999 where entry_id = ${ids[2]!} and idx = 0`);
    const result = await verifyLedger(ctx());
    expect(result).toEqual({ ok: false, seq: 3n, reason: 'postings do not sum to zero in BTC' });
    await behindTheService(sql`update ledger_postings set amount_sat = 3000 where entry_id = ${ids[2]!} and idx = 0`);
  });

  it('both postings changed consistently: still a hash mismatch at that seq', async () => {
    await behindTheService(sql`update ledger_postings set amount = -amount where entry_id = ${ids[1]!}`);
    expect(await verifyLedger(ctx())).toMatchObject({ ok: false, seq: 2n });
    await behindTheService(sql`update ledger_postings set amount = -amount where entry_id = ${ids[1]!}`);
    expect(await verifyLedger(ctx())).toMatchObject({ ok: true });
  });

  it('a maintained balance changed: named with the account and the last seq that moved it', async () => {
    await database.db.execute(
      sql`update ledger_balances set balance = balance + 1 where account = 'Income:Mining:hydro-1'`,
    );
    const result = await verifyLedger(ctx());
    expect(result).toMatchObject({ ok: false, seq: 5n });
    expect(result.ok === false && result.reason).toContain(
      'maintained balance of Income:Mining:hydro-1 in BTC is -8999; its postings sum to -9000',
    );
    await database.db.execute(
      sql`update ledger_balances set balance = balance - 1 where account = 'Income:Mining:hydro-1'`,
    );
  });

  it('a deleted entry: the gap is named', async () => {
    await behindTheService(
      sql`delete from ledger_postings where entry_id = ${ids[4]!}`,
      sql`delete from ledger_entries where seq = 5`,
    );
    expect(await verifyLedger(ctx())).toEqual({
      ok: false,
      seq: 5n,
      reason: 'entry 5 is missing: the next entry has seq 6',
    });
  });
});
