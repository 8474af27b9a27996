// Builds the run's shared demo year (see test/support/demo-snapshot.ts): started in the background by
// the global setup, with the snapshot directory as its one argument.
import postgres from 'postgres';
import { openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { seedDemoYear } from '../browser/demo.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './db.js';
import { writeDemoSnapshot, writeDemoSnapshotError } from './demo-snapshot.js';

const [dir, serverDatabase] = process.argv.slice(2);
if (!dir) throw new Error('usage: demo-snapshot-build.ts DIR [SERVER_DATABASE]');

/** On a server the build stays in a database of its own (not dropped on close) that readers copy. */
async function openBuildDatabase(): Promise<TestDatabase> {
  if (!serverUrl || !serverDatabase) return createTestDatabase();
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${serverDatabase}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${serverDatabase}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 10 });
  await runMigrations(database);
  return database;
}

try {
  const database = await openBuildDatabase();
  try {
    const seed = await seedDemoYear(database);
    await writeDemoSnapshot(dir, database, seed, serverUrl ? serverDatabase : undefined);
  } finally {
    await database.close(); // readers copy a server database as a template: no session may stay on it
  }
} catch (error) {
  await writeDemoSnapshotError(dir, error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
