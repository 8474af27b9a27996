// One build of the demo year per full test run, shared by the files that read it.
//
// The global setup (test/support/global-setup.ts) starts test/support/demo-snapshot-build.ts in the
// background and names a directory in RESERVE_DEMO_SNAPSHOT. The builder writes there, last and
// atomically, `seed.json` (the demo's keys, webhook secret and summary, and where the data is: a
// PGlite dump beside it, or a PostgreSQL database to copy as a template), or `error.txt` if it
// failed. A reader waits for one of the two and gets a database of its own: its writes never reach
// another file's copy. Nothing outlives the run: the setup's teardown removes the directory and the
// template database.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { DemoSeed } from '../browser/demo.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const DEMO_SNAPSHOT_ENV = 'RESERVE_DEMO_SNAPSHOT';
const SEED = 'seed.json';
const ERROR = 'error.txt';
const PGLITE_DUMP = 'demo.tar';
/** A loaded machine has built the demo in ~5 minutes; past this the builder is taken as lost. */
const WAIT_MS = 20 * 60_000;

interface SeedFile {
  seed: DemoSeed;
  /** The PostgreSQL database holding the build, or undefined for the PGlite dump beside seed.json. */
  serverDatabase?: string;
}

/** A copy of the run's demo build, or undefined when this run has none (a file run alone). */
export async function openDemoSnapshot(): Promise<{ database: TestDatabase; seed: DemoSeed } | undefined> {
  const dir = process.env[DEMO_SNAPSHOT_ENV];
  if (!dir) return undefined;
  const file = await waitForSeed(dir);
  const { seed } = file;
  const database = file.serverDatabase
    ? await createTestDatabase({ from: { serverDatabase: file.serverDatabase } })
    : await createTestDatabase({
        from: { pgliteData: new Blob([new Uint8Array(await readFile(join(dir, PGLITE_DUMP)))]) },
      });
  return { database, seed };
}

/** Writes a finished build where readers wait for it (the PGlite dump first, seed.json last). */
export async function writeDemoSnapshot(dir: string, database: TestDatabase, seed: DemoSeed, serverDatabase?: string) {
  if (!serverDatabase) {
    const client = (database.db as unknown as { $client: PGlite }).$client;
    const dump = await client.dumpDataDir('none');
    await writeFile(join(dir, `${PGLITE_DUMP}.partial`), new Uint8Array(await dump.arrayBuffer()));
    await rename(join(dir, `${PGLITE_DUMP}.partial`), join(dir, PGLITE_DUMP));
  }
  const file: SeedFile = { seed, serverDatabase };
  const text = JSON.stringify(file, (_key, value) =>
    typeof value === 'bigint' ? { $bigint: value.toString() } : value,
  );
  await writeFile(join(dir, `${SEED}.partial`), text);
  await rename(join(dir, `${SEED}.partial`), join(dir, SEED));
}

/** Records why the build failed, so that readers fail at once with its reason. */
export async function writeDemoSnapshotError(dir: string, reason: string) {
  if (!existsSync(join(dir, SEED))) await writeFile(join(dir, ERROR), reason);
}

async function waitForSeed(dir: string): Promise<SeedFile> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (existsSync(join(dir, SEED))) return JSON.parse(await readFile(join(dir, SEED), 'utf8')) as SeedFile;
    if (existsSync(join(dir, ERROR))) {
      throw new Error(`the run's demo build failed:\n${await readFile(join(dir, ERROR), 'utf8')}`);
    }
    if (Date.now() > deadline)
      throw new Error(`the run's demo build wrote nothing in ${WAIT_MS / 60_000} minutes (${dir})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
