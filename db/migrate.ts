import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type postgres from 'postgres';
import { type Database, rowsOf } from './client.js';
import { MIGRATION_MODULES } from './modules.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATIONS_SCHEMA = 'drizzle';

function moduleFolder(module: string) {
  return join(MIGRATIONS_DIR, module);
}
function trackingTable(module: string) {
  return `migrations_${module}`;
}
function journalLength(module: string): number {
  const journal = join(moduleFolder(module), 'meta', '_journal.json');
  if (!existsSync(journal)) return 0;
  return (JSON.parse(readFileSync(journal, 'utf8')) as { entries: unknown[] }).entries.length;
}

/** Applies every module's pending migrations, in module order, on either engine. */
export async function runMigrations(database: Database): Promise<void> {
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
