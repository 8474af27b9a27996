// 20 concurrent posters, 2,000 entries, on a real PostgreSQL server. PGlite is one connection in
// one process, so concurrency can only be exercised on PostgreSQL: this file runs only there.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { AppError } from '../../../src/http/problem.js';
import { getBalance, postEntry, verifyLedger } from '../../../src/ledger/service.js';
import { systemCtx } from '../../support/app.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../../support/db.js';
import { btcEntry } from './helpers.js';

const POSTERS = 20;
const PER_POSTER = 100;
const ACCOUNTS = Array.from({ length: 12 }, (_, i) =>
  i % 2 ? `Income:Mining:site-${i}` : `Assets:Bitcoin:vault-${i}:Available`,
);

let database: TestDatabase;
beforeAll(async () => {
  if (onPostgres) database = await createTestDatabase({ poolSize: POSTERS + 2 });
});
afterAll(async () => database?.close());

describe.runIf(onPostgres)('concurrent appends (PostgreSQL only: PGlite has a single connection)', () => {
  it('20 posters x 100 entries plus racing duplicates: no gap, no fork, exact balances, one winner per source', async () => {
    const expected = new Map<string, bigint>();
    const add = (account: string, sats: bigint) => expected.set(account, (expected.get(account) ?? 0n) + sats);
    const racedSources = Array.from({ length: 10 }, (_, i) => `raced-${i}`);
    let raceWins = 0;
    let raceConflicts = 0;

    async function poster(p: number) {
      for (let i = 0; i < PER_POSTER; i++) {
        // every poster touches shared accounts, and a few new ones of its own (created on first use)
        const to = i % 10 === 0 ? `Assets:Bitcoin:poster-${p}:Available` : ACCOUNTS[(p + i) % ACCOUNTS.length]!;
        const from = ACCOUNTS[(p * 7 + i * 3 + 1) % ACCOUNTS.length]!;
        const sats = BigInt(1 + ((p * 1009 + i * 917) % 100_000));
        await postEntry({ ctx: systemCtx(database), input: btcEntry(to, from, sats) });
        add(to, sats);
        add(from, -sats);
        if (i < racedSources.length) {
          const raced = btcEntry('Assets:Bitcoin:raced:Available', 'Income:Mining:raced', 1n, {
            source: { type: 'race', id: racedSources[i]! },
          });
          try {
            await postEntry({ ctx: systemCtx(database), input: raced });
            raceWins++;
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).code).toBe('conflict');
            raceConflicts++;
          }
        }
      }
    }
    await Promise.all(Array.from({ length: POSTERS }, (_, p) => poster(p)));

    expect(raceWins).toBe(racedSources.length);
    expect(raceConflicts).toBe(racedSources.length * (POSTERS - 1));
    const total = BigInt(POSTERS * PER_POSTER + racedSources.length);
    const [stats] = rowsOf<{ n: string; lo: string; hi: string; distinct_prev: string }>(
      await database.db.execute(
        sql`select count(*)::text as n, min(seq)::text as lo, max(seq)::text as hi, count(distinct prev_hash)::text as distinct_prev from ledger_entries`,
      ),
    );
    expect(stats).toEqual({ n: total.toString(), lo: '1', hi: total.toString(), distinct_prev: total.toString() });
    // no fork: every entry's prev_hash is the hash of the entry just before it
    const [forks] = rowsOf<{ n: string }>(
      await database.db.execute(
        sql`select count(*)::text as n from ledger_entries e join ledger_entries p on p.seq = e.seq - 1 where e.prev_hash <> p.hash`,
      ),
    );
    expect(forks!.n).toBe('0');
    expect(await verifyLedger(systemCtx(database))).toMatchObject({ ok: true, count: total });
    for (const [account, sats] of expected) expect(await getBalance(systemCtx(database), account, 'BTC')).toBe(sats);
    expect(await getBalance(systemCtx(database), 'Assets:Bitcoin:raced:Available', 'BTC')).toBe(
      BigInt(racedSources.length),
    );
  });
});
