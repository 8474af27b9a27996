import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { startDemoSnapshot } from './demo-prebuild.js';
import { pgliteTemplatePath } from './pglite-template.js';

/**
 * On PGlite, every test file gets its own in-memory database. Building one (initdb +
 * migrations) costs seconds; loading a dump of a migrated one costs far less. So the
 * run makes that dump once, and test/support/db.ts starts each database from it.
 */
export default async function setup() {
  // The e2e tests run `npm start`, whose prestart compiles into dist/: compile once here, so
  // that concurrent test processes find it up to date instead of rebuilding it under each other.
  // A tree that does not compile fails only the tests that run dist/ (with the build's message
  // there), not every test file of the run.
  try {
    execFileSync(process.execPath, [new URL('../../bin/build.mjs', import.meta.url).pathname], { stdio: 'pipe' });
  } catch (error) {
    console.error(
      `global setup: bin/build.mjs failed; tests that run dist/ will fail:\n${(error as { stderr?: Buffer }).stderr ?? error}`,
    );
  }
  if (!process.env.DATABASE_URL) await makePgliteTemplate();
  // After the template: the demo's builder starts from it like every test database.
  return startDemoSnapshot();
}

async function makePgliteTemplate() {
  const path = pgliteTemplatePath();
  process.env.RESERVE_PGLITE_TEMPLATE = path;
  if (existsSync(path)) return;
  const database = await openDatabase({});
  try {
    await runMigrations(database);
    const client = (database.db as unknown as { $client: PGlite }).$client;
    const dump = await client.dumpDataDir('none');
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, path); // atomic: a concurrent run never reads half a file
  } finally {
    await database.close();
  }
}
