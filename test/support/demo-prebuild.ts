// The global setup's half of test/support/demo-snapshot.ts: in a run of the whole suite, start
// building the demo year in the background (the files that read it are scheduled last, see
// test/support/sequencer.ts), and remove the build when the run ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { DEMO_SNAPSHOT_ENV, writeDemoSnapshotError } from './demo-snapshot.js';

/**
 * Whether this run is the whole suite (no file filter on the command line), where two files read
 * the demo and one build saves the other. RESERVE_DEMO_PREBUILD=1 or 0 decides instead.
 */
function wholeSuite(): boolean {
  const forced = process.env.RESERVE_DEMO_PREBUILD;
  if (forced === '1' || forced === '0') return forced === '1';
  const args = process.argv.slice(process.argv.indexOf('run') + 1);
  return !args.some(
    (a, i) => !a.startsWith('-') && !(i > 0 && args[i - 1]!.startsWith('--') && !args[i - 1]!.includes('=')),
  );
}

export function startDemoSnapshot(): (() => Promise<void>) | undefined {
  if (!wholeSuite()) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'reserve-demo-'));
  const serverDatabase = process.env.DATABASE_URL ? `reserve_demo_${process.pid}_${Date.now()}` : undefined;
  process.env[DEMO_SNAPSHOT_ENV] = dir;
  const log = createWriteStream(join(dir, 'build.log'));
  const builder: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./demo-snapshot-build.ts', import.meta.url).pathname,
      dir,
      ...(serverDatabase ? [serverDatabase] : []),
    ],
    { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  builder.stdout?.pipe(log);
  builder.stderr?.pipe(log);
  builder.on('exit', (code, signal) => {
    if (code !== 0)
      writeDemoSnapshotError(
        dir,
        `the demo builder exited with ${code ?? signal}; see ${join(dir, 'build.log')}`,
      ).catch(() => {});
  });
  return async () => {
    if (builder.exitCode === null) builder.kill();
    rmSync(dir, { recursive: true, force: true });
    if (serverDatabase && process.env.DATABASE_URL) {
      const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists "${serverDatabase}" with (force)`);
      } finally {
        await admin.end();
      }
    }
  };
}
