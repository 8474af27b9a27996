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
  /** PostgreSQL: seconds a new connection may take to open (postgres.js `connect_timeout`, default 5). */
  connectTimeoutS?: number;
  /** PostgreSQL: `statement_timeout` of every session in ms; 0 is none (default 30,000). */
  statementTimeoutMs?: number;
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
      // postgres.js waits 30 s for a connection by default; a request should be told in a few
      // seconds that the database is not there (503, DATABASE_CONNECT_TIMEOUT_S).
      connect_timeout: options.connectTimeoutS ?? 5,
      onnotice: () => {},
      types: { bigint: postgres.BigInt },
      connection: {
        application_name: 'reserve',
        statement_timeout: options.statementTimeoutMs ?? 30_000,
        // Every statement is prepared (preparing, below), but planned for its own parameters each
        // time: a generic plan made while a table was small (a seq scan of utxos for "coinbases
        // near the tip") stayed cached as the table grew, and a block.connected's database CPU
        // grew with the chain (1.1 ms at 1,000 blocks, 6.7 ms on average over 10,000).
        plan_cache_mode: 'force_custom_plan',
      },
    });
    const db = drizzlePostgres(preparing(client)) as unknown as Db;
    return { db, engine: 'postgres', close: () => client.end({ timeout: 5 }) };
  }
  const inMemory = !options.dataDir || options.dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    mkdirSync(options.dataDir!, { recursive: true });
    if (options.lock !== false) lock = acquireDataDirLock(options.dataDir!);
  }
  try {
    // One options object: given a first argument that is not a string (undefined included),
    // PGlite reads its options from it and ignores the second, loadDataDir with them.
    const client = new PGlite({
      ...(inMemory ? {} : { dataDir: `${options.dataDir}/pg` }),
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

/**
 * Every statement drizzle sends through postgres.js, prepared. Drizzle names only the queries a
 * caller `.prepare(name)`s; the rest (every builder query awaited directly, every db.execute) go
 * out unnamed with `prepare: false`, and postgres.js then sends a statement with parameters in two
 * round trips: Parse+Describe, wait for the parameter types, then Bind+Execute. Prepared, the
 * first use per connection costs the same and every later one a single round trip (postgres.js
 * keys its statements by their text and types, per connection). Measured on the chain bench:
 * ~1 ms a round trip on this shared machine, 23 statements a block.connected.
 * Queries without parameters still go by the simple protocol (postgres.js's own choice), so
 * multi-statement migrations are unaffected. The statement cache lives as long as the connection
 * (postgres.js recycles connections after 30-60 min, max_lifetime), which bounds it.
 */
function preparing<T extends postgres.Sql | postgres.TransactionSql>(sql: T): T {
  return new Proxy(sql, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (key === 'begin' || key === 'savepoint') {
        return (...args: unknown[]) => {
          const fn = args[args.length - 1] as (tx: postgres.TransactionSql) => unknown;
          return (value as (...a: unknown[]) => unknown).apply(target, [
            ...args.slice(0, -1),
            (tx: postgres.TransactionSql) => fn(preparing(tx)),
          ]);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Rows of a raw `db.execute(sql...)`, whichever engine answered. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

// Errors that mean "the database is not reachable right now", not "this request is wrong":
// node's socket errors, postgres.js's own connection codes, and SQLSTATE classes 08 (connection
// exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
// connections) and 57014 (statement_timeout). The service answers them 503 with Retry-After.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);

/** True when error (or a cause it wraps: drizzle's DrizzleQueryError, AggregateError) means the database is unreachable. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 8) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable((error as { cause?: unknown }).cause, depth + 1);
}
