import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, freePort, ROOT, runCli, tempDir } from './process.js';

// `npm start` is what an operator or a supervisor runs: the pid it gets must be the one that
// stops the service. npm's prestart compiles dist/ (bin/build.mjs), then `node dist/src/main.js`.

describe('npm start', { timeout: 240_000 }, () => {
  const dataDir = tempDir('start');
  afterAll(() => dataDir.remove());

  it('serves, and SIGTERM to the pid npm was started as stops the server cleanly', async () => {
    const port = await freePort();
    const env = childEnv({ DATA_DIR: dataDir.path, PORT: String(port), FLEET_WEBHOOK_SECRETS: undefined });
    const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code ?? signal}`)));
    try {
      const deadline = Date.now() + 180_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, output).toBe(200);
      // the first day's warning: no webhook secret means every delivery is a 401
      expect(output).toContain('FLEET_WEBHOOK_SECRETS is not set');
      const listening = output.split('\n').find((l) => l.includes('Reserve listening'));
      expect(JSON.parse(listening!).startup_ms).toBeGreaterThan(0);

      child.kill('SIGTERM'); // npm's own pid, as a supervisor would
      // npm waits for its script, then ends itself by the same signal (a supervisor counts that as a clean stop)
      expect(['0', 'SIGTERM']).toContain(await exited);
      expect(output).toContain('stopped cleanly');
      // nothing left behind: the port is free and the data directory's lock released
      const after = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => 'answered',
        () => 'refused',
      );
      expect(after).toBe('refused');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('reserve CLI first-day commands', { timeout: 120_000 }, () => {
  const dir = tempDir('cli');
  afterAll(() => dir.remove());

  it('prints its version, makes a whsec_ secret, and reads the send secret from a file or env', async () => {
    const env = childEnv({ DATA_DIR: dir.path });
    const version = await runCli(['--version'], env);
    expect(version.stdout.trim()).toBe(
      (
        JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(ROOT, 'package.json'), 'utf8'))) as {
          version: string;
        }
      ).version,
    );
    const made = await runCli(['fleet', 'secret'], env);
    expect(made.code).toBe(0);
    const secret = made.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect((await runCli(['fleet', 'secret'], env)).stdout.trim()).not.toBe(secret);

    // no secret anywhere: refused before anything is sent
    const events = join(dir.path, 'events.jsonl');
    writeFileSync(events, '');
    const none = await runCli(['fleet', 'send', events, '--url', 'http://127.0.0.1:9/x'], {
      ...env,
      FLEET_WEBHOOK_SECRETS: undefined,
      FLEET_WEBHOOK_SECRET: undefined,
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--secret-file FILE or FLEET_WEBHOOK_SECRET');
    // from a file: no warning; on the command line: works, with a warning
    const file = join(dir.path, 'secret');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    const fromFile = await runCli(
      ['fleet', 'send', events, '--secret-file', file, '--url', 'http://127.0.0.1:9/x'],
      env,
    );
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toBe('');
    const fromArgv = await runCli(['fleet', 'send', events, '--secret', secret, '--url', 'http://127.0.0.1:9/x'], env);
    expect(fromArgv.code).toBe(0);
    expect(fromArgv.stderr).toContain('visible to other users in ps');
  });
});
