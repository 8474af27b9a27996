import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pgliteTemplatePath } from './pglite-template.js';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';

export interface TestDatabase extends Database {
  /** The PostgreSQL URL of this test's own database; undefined on PGlite. */
  url?: string;
}

/** The server the suite runs against, or undefined for the embedded default. */
export const serverUrl = process.env.DATABASE_URL || undefined;
export const onPostgres = serverUrl !== undefined;

/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or on a
 * PostgreSQL server a database of its own (unique name) dropped by close().
 */
export async function createTestDatabase(
  options: {
    poolSize?: number;
    /** Start from a copy of this data instead of the migrated template: a PGlite dump, or a server database's name. */
    from?: { pgliteData: Blob } | { serverDatabase: string };
  } = {},
): Promise<TestDatabase> {
  if (!serverUrl) {
    const template =
      options.from && 'pgliteData' in options.from ? options.from.pgliteData : await readPgliteTemplate();
    const database = await openDatabase({ pgliteTemplate: template });
    await runMigrations(database); // a no-op on a current template; applies what is newer
    return database;
  }
  const name = `reserve_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const from = options.from && 'serverDatabase' in options.from ? ` template "${options.from.serverDatabase}"` : '';
    await admin.unsafe(`create database "${name}"${from}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: options.poolSize ?? 10 });
  await runMigrations(database);
  return {
    ...database,
    url: url.toString(),
    close: async () => {
      await database.close();
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** The migrated PGlite made once per run by test/support/global-setup.ts, if there is one. */
async function readPgliteTemplate(): Promise<Blob | undefined> {
  const path = process.env.RESERVE_PGLITE_TEMPLATE ?? pgliteTemplatePath();
  try {
    return new Blob([new Uint8Array(await readFile(path))]);
  } catch {
    return undefined; // no template: a fresh initdb, slower but the same database
  }
}
