import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { acquireDataDirLock, type DataDirLock } from './lock.js';

/** The one database type every module codes against; the engine is invisible above db/. */
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<
  PgQueryResultHKT,
  Record<string, never>,
  ExtractTablesWithRelations<Record<string, never>>
>;
/** Anything a query can run on: the database or an open transaction. */
export type Executor = Db | Tx;

export type Engine = 'pglite' | 'postgres';

export interface Database {
  db: Db;
  engine: Engine;
  /** Where PGlite keeps its files; undefined for PostgreSQL or an in-memory PGlite. */
  dataDir?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://... ; when set, PostgreSQL through postgres.js is used. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` (or undefined) for an in-memory database. */
  dataDir?: string;
  /** Max connections in the postgres.js pool. */
  poolSize?: number;
  /** Refuse to open a PGlite directory another process holds (default true). */
  lock?: boolean;
  /** An in-memory PGlite starts from this dump (`dumpDataDir`) instead of running initdb. */
  pgliteTemplate?: Blob;
}

/**
 * Typed drizzle selects give `bigint` for bigint columns on both engines. Raw
 * `db.execute(sql...)` differs: postgres.js parses int8 to bigint, but on PGlite
 * drizzle's per-query parsers replace the client's and int8 arrives as a JS number
 * when small. So raw SQL that returns money casts it to text (`amount::text`) and
 * the caller parses it with BigInt.
 */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      types: { bigint: postgres.BigInt },
      connection: { application_name: 'reserve' },
    });
    const db = drizzlePostgres(client) as unknown as Db;
    return { db, engine: 'postgres', close: () => client.end({ timeout: 5 }) };
  }
  const inMemory = !options.dataDir || options.dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    mkdirSync(options.dataDir!, { recursive: true });
    if (options.lock !== false) lock = acquireDataDirLock(options.dataDir!);
  }
  try {
    const client = new PGlite(inMemory ? undefined : `${options.dataDir}/pg`, {
      parsers: { [types.INT8]: (value: string) => BigInt(value) },
      ...(inMemory && options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {}),
    });
    await client.waitReady;
    const db = drizzlePglite(client) as unknown as Db;
    return {
      db,
      engine: 'pglite',
      dataDir: inMemory ? undefined : options.dataDir,
      close: async () => {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** Rows of a raw `db.execute(sql...)`, whichever engine answered. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
