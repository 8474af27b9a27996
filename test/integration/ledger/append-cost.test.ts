// An append must not read the journal: its duplicate-source check, posting guard and chain head
// are index probes, so its cost does not grow with the ledger (a sequential scan of
// ledger_entries per append once capped throughput and held the head lock for longer and longer).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { AppError } from '../../../src/http/problem.js';
import { type NewEntry, postEntries, postEntry } from '../../../src/ledger/service.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { btcEntry } from './helpers.js';

let database: TestDatabase;
const ctx = () => systemCtx(database);
const early: NewEntry[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  for (let batch = 0; batch < 3; batch++) {
    const entries = Array.from({ length: 1000 }, (_, i) =>
      btcEntry(`Assets:Bitcoin:cost-${i % 10}:Available`, `Income:Mining:cost-${i % 5}`, BigInt(i + 1)),
    );
    early.push(entries[0]!);
    await postEntries({ ctx: ctx(), input: entries });
  }
  // Fresh statistics, as autovacuum would leave them: the planner knows the journal is large.
  await database.db.execute(sql`analyze ledger_entries`);
  await database.db.execute(sql`analyze ledger_postings`);
});
afterAll(async () => database.close());

it('appends and refuses a duplicate among 3,000 entries without a sequential scan of entries or postings', async () => {
  const counts = await database.db.transaction(async (tx) => {
    const inTx = { ...ctx(), tx: tx as never };
    const posted = await postEntry({
      ctx: inTx,
      input: btcEntry('Assets:Bitcoin:cost-1:Available', 'Income:Mining:cost-1', 7n),
    });
    expect(posted.seq).toBe(3001n);
    const duplicate = await postEntry({ ctx: inTx, input: early[1]! }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(AppError);
    expect((duplicate as AppError).code).toBe('conflict');
    // The transaction is still usable after the refused duplicate.
    const again = await postEntry({
      ctx: inTx,
      input: btcEntry('Assets:Bitcoin:cost-2:Available', 'Income:Mining:cost-2', 8n),
    });
    expect(again.seq).toBe(3002n);
    expect(again.prevHash).toBe(posted.hash);
    return rowsOf<{ relname: string; seq_scan: string | bigint; idx_scan: string | bigint | null }>(
      await tx.execute(
        sql`select relname, seq_scan, idx_scan from pg_stat_xact_user_tables where relname in ('ledger_entries', 'ledger_postings') order by relname`,
      ),
    );
  });
  expect(counts.map((c) => c.relname)).toEqual(['ledger_entries', 'ledger_postings']);
  for (const c of counts) {
    expect(BigInt(c.seq_scan), `${c.relname} sequential scans`).toBe(0n);
    expect(BigInt(c.idx_scan ?? 0), `${c.relname} index scans`).toBeGreaterThan(0n);
  }
});
