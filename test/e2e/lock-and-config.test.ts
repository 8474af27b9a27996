import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../../db/lock.js';
import { childEnv, freePort, ROOT, runCli, startServerProcess, tempDir } from './process.js';

// The data-directory lock is PGlite's (a single-process database), so this runs the
// server on PGlite whichever engine the rest of the suite uses.
describe('a CLI command on a PGlite data directory a running server holds', { timeout: 150_000 }, () => {
  const dataDir = tempDir('lock');
  afterAll(() => dataDir.remove());

  it('refuses with a clear message and a non-zero exit, and leaves the data intact', async () => {
    const env = childEnv({ DATA_DIR: dataDir.path, PORT: String(await freePort()) });
    const server = await startServerProcess(env);
    let stopped = false;
    try {
      const adminKey = readFileSync(join(dataDir.path, 'bootstrap-admin.key'), 'utf8').trim();
      const refused = await runCli(['keys', 'create', '--role', 'admin', '--name', 'intruder'], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        `reserve: the data directory ${dataDir.path} is in use by process ${server.child.pid} (a running Reserve server?). ` +
          'PGlite allows one process at a time: stop that process, or use the HTTP API while it runs.\n',
      );
      // the server is undisturbed and its lock is still its own
      const keys = await fetch(`${server.base}/v1/keys`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(keys.status).toBe(200);
      expect(((await keys.json()) as { items: { name: string }[] }).items.map((k) => k.name)).toEqual([
        'bootstrap admin',
      ]);
      expect(readFileSync(join(dataDir.path, 'reserve.lock'), 'utf8')).toBe(String(server.child.pid));
      // a second server on the same directory refuses too, before touching the database
      const second = await startServerProcess(env, 60_000).then(
        () => null,
        (error: Error) => error.message,
      );
      expect(second).toContain('server exited with 1 before listening');
      expect(second).toContain(`the data directory ${dataDir.path} is in use by process ${server.child.pid}`);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      stopped = true;
      // once it is down, the CLI opens the same data: nothing was written by the refused commands
      const listed = await runCli(['keys', 'list', '--json'], env);
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as { items: { name: string }[] }).items.map((k) => k.name)).toEqual([
        'bootstrap admin',
      ]);
    } finally {
      if (!stopped) server.child.kill('SIGKILL');
    }
  });
});

describe('the data directory lock', () => {
  it('is taken over when the process that held it is gone, and refused while it lives', async () => {
    const dir = tempDir('stale');
    try {
      const dead = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => dead.once('exit', resolve));
      writeFileSync(join(dir.path, 'reserve.lock'), String(dead.pid));
      const lock = acquireDataDirLock(dir.path);
      expect(readFileSync(join(dir.path, 'reserve.lock'), 'utf8')).toBe(String(process.pid));
      lock.release();
      expect(existsSync(join(dir.path, 'reserve.lock'))).toBe(false);

      const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
      try {
        writeFileSync(join(dir.path, 'reserve.lock'), String(alive.pid));
        expect(() => acquireDataDirLock(dir.path)).toThrow(DataDirLockedError);
        expect(readFileSync(join(dir.path, 'reserve.lock'), 'utf8')).toBe(String(alive.pid)); // untouched
      } finally {
        alive.kill('SIGKILL');
      }
    } finally {
      dir.remove();
    }
  });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('a bad configuration', { timeout: 60_000 }, () => {
  it('makes `npm start` exit non-zero with one line naming the variable, before it opens anything', async () => {
    const neverCreated = join(ROOT, '.tmp', `never-created-${process.pid}`);
    const result = await run('npm', ['start', '--silent'], childEnv({ PORT: 'abc', DATA_DIR: neverCreated }));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('invalid configuration: PORT: must be an integer from 1 to 65535 (got "abc")\n');
    expect(existsSync(neverCreated)).toBe(false); // no database, no lock file
  });
});
