import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type postgres from 'postgres';
import { type Database, type Executor, rowsOf } from './client.js';
import { MIGRATION_MODULES } from './modules.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATIONS_SCHEMA = 'drizzle';

function moduleFolder(module: string) {
  return join(MIGRATIONS_DIR, module);
}
function trackingTable(module: string) {
  return `migrations_${module}`;
}
function journalEntries(module: string): { when: number }[] {
  const journal = join(moduleFolder(module), 'meta', '_journal.json');
  if (!existsSync(journal)) return [];
  return (JSON.parse(readFileSync(journal, 'utf8')) as { entries: { when: number }[] }).entries;
}
function journalLength(module: string): number {
  return journalEntries(module).length;
}

/**
 * Nothing to apply: every module's tracking table exists and its latest row is as recent as the
 * journal's latest migration, the test drizzle's migrator makes per migration (created_at, the
 * migration's `when`, against the last applied). Two statements for all modules, where the
 * migrator itself runs CREATE SCHEMA/TABLE IF NOT EXISTS, a read and a transaction per module:
 * on a warm PGlite directory that took ~190 ms of CPU at every start (test/bench/start.bench.ts).
 */
export async function migrationsCurrent(db: Executor): Promise<boolean> {
  const expected = MIGRATION_MODULES.map((module) => ({
    module,
    last: Math.max(...journalEntries(module).map((e) => e.when), 0),
  })).filter((m) => m.last > 0);
  if (expected.length === 0) return true;
  const tables = expected.map((m) => `${MIGRATIONS_SCHEMA}.${trackingTable(m.module)}`);
  const present = rowsOf<{ missing: number | bigint }>(
    await db.execute(
      sql`select count(*) filter (where to_regclass(t) is null) as missing from unnest(${sql.raw(
        `array[${tables.map((t) => `'${t}'`).join(', ')}]`,
      )}::text[]) as t`,
    ),
  )[0];
  if (present === undefined || Number(present.missing) > 0) return false;
  const latest = sql.join(
    expected.map(
      (m) =>
        sql`(select coalesce(max(created_at), 0) from ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(trackingTable(m.module))}) >= ${m.last}`,
    ),
    sql` and `,
  );
  const [row] = rowsOf<{ current: boolean }>(await db.execute(sql`select ${latest} as current`));
  return row?.current === true;
}

/** Applies every module's pending migrations, in module order, on either engine. */
export async function runMigrations(database: Database): Promise<void> {
  // Committed migrations are visible whole (each module's run is one transaction), so a database
  // found current needs neither the lock nor the migrator.
  if (await migrationsCurrent(database.db)) return;
  // Several instances may start together on one server: one migrates, the others wait. The lock
  // and the migrations share one reserved connection: with DATABASE_POOL_SIZE=1 a lock held on one
  // connection while the migrator waited for another hung for good.
  if (database.engine === 'postgres') {
    const client = (database.db as unknown as { $client: postgres.Sql }).$client;
    const reserved = await client.reserve();
    try {
      // drizzle reads the client's type options and opens its transaction with begin(): a reserved
      // connection has neither, so it gets the pool's options and a begin on itself.
      const begin = async <T>(fn: (sql: postgres.ReservedSql) => Promise<T>): Promise<T> => {
        await reserved.unsafe('begin');
        try {
          const result = await fn(reserved);
          await reserved.unsafe('commit');
          return result;
        } catch (error) {
          await reserved.unsafe('rollback');
          throw error;
        }
      };
      const connection = Object.assign(reserved, { options: client.options, begin }) as unknown as postgres.Sql;
      const db = drizzlePostgres(connection) as unknown as Database['db'];
      await db.execute(sql`select pg_advisory_lock(7307711)`);
      try {
        await applyAll({ ...database, db });
      } finally {
        await db.execute(sql`select pg_advisory_unlock(7307711)`);
      }
    } finally {
      reserved.release();
    }
    return;
  }
  await applyAll(database);
}

async function applyAll(database: Pick<Database, 'db' | 'engine'>) {
  for (const module of MIGRATION_MODULES) {
    if (journalLength(module) === 0) continue;
    const config = {
      migrationsFolder: moduleFolder(module),
      migrationsTable: trackingTable(module),
      migrationsSchema: MIGRATIONS_SCHEMA,
    };
    if (database.engine === 'pglite') await migratePglite(database.db as never, config);
    else await migratePostgres(database.db as never, config);
  }
}

export interface MigrationStatus {
  current: boolean;
  pending: { module: string; applied: number; expected: number }[];
}

/** Compares what each module's journal expects with what the database has applied. */
export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const pending: MigrationStatus['pending'] = [];
  for (const module of MIGRATION_MODULES) {
    const expected = journalLength(module);
    if (expected === 0) continue;
    const table = sql.identifier(trackingTable(module));
    const exists = rowsOf<{ present: boolean }>(
      await database.db.execute(
        sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${trackingTable(module)}`}) is not null as present`,
      ),
    )[0]?.present;
    const applied = exists
      ? Number(
          rowsOf<{ n: bigint }>(
            await database.db.execute(sql`select count(*) as n from ${sql.identifier(MIGRATIONS_SCHEMA)}.${table}`),
          )[0]?.n ?? 0,
        )
      : 0;
    if (applied < expected) pending.push({ module, applied, expected });
  }
  return { current: pending.length === 0, pending };
}
