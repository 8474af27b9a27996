import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Tx } from '../../../db/client.js';
import { migrationsCurrent, migrationStatus, runMigrations } from '../../../db/migrate.js';
import { MIGRATION_MODULES } from '../../../db/modules.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

// A start on a current database skips drizzle's migrator (CREATE SCHEMA/TABLE IF NOT EXISTS, a
// read and a transaction per module) after one check of every module's tracking table; the check
// must say "not current" whenever the migrator would apply something.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

const ROLLBACK = new Error('rollback');
/** Runs fn in a transaction that is always rolled back; returns what fn returned. */
async function inRolledBack<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await t.db
    .transaction(async (tx) => {
      result = await fn(tx);
      throw ROLLBACK;
    })
    .catch((error) => {
      if (error !== ROLLBACK) throw error;
    });
  return result as T;
}

async function trackedRows(): Promise<number[]> {
  const counts: number[] = [];
  for (const module of MIGRATION_MODULES) {
    const [row] = rowsOf<{ n: number }>(
      await t.db.execute(sql.raw(`select count(*)::int as n from drizzle.migrations_${module}`)),
    );
    counts.push(row!.n);
  }
  return counts;
}

describe('migrations at start', () => {
  it('finds a migrated database current, and running again applies nothing', async () => {
    expect(await migrationsCurrent(t.db)).toBe(true);
    expect((await migrationStatus(t)).current).toBe(true);
    const before = await trackedRows();
    expect(before.every((n) => n > 0)).toBe(true);
    await runMigrations(t);
    expect(await trackedRows()).toEqual(before);
  });

  it("is not current when a module's latest migration is missing, or its tracking table", async () => {
    for (const module of ['platform', 'alerts'] as const) {
      const withoutLatest = await inRolledBack(async (tx) => {
        await tx.execute(
          sql.raw(
            `delete from drizzle.migrations_${module} where created_at = (select max(created_at) from drizzle.migrations_${module})`,
          ),
        );
        return migrationsCurrent(tx);
      });
      expect(withoutLatest, module).toBe(false);
      const withoutTable = await inRolledBack(async (tx) => {
        await tx.execute(sql.raw(`drop table drizzle.migrations_${module}`));
        return migrationsCurrent(tx);
      });
      expect(withoutTable, module).toBe(false);
    }
    // Rolled back: current again.
    expect(await migrationsCurrent(t.db)).toBe(true);
  });
});
