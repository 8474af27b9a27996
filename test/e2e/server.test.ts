import { statSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../support/db.js';
import {
  childEnv,
  freePort,
  runCli,
  serverDatabase,
  startServerProcess,
  tempDir,
  type ServerProcess,
} from './process.js';

// The real server process, on a temporary DATA_DIR (and, when the suite runs on
// PostgreSQL, on a fresh database of its own on that server), stopped and started again.

const FULL_SECRET = /rsv_[A-Za-z0-9_-]{43}/;
const dataDir = tempDir('e2e');
let database: Awaited<ReturnType<typeof serverDatabase>> | undefined;
let env: NodeJS.ProcessEnv;
const allOutput: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  database = onPostgres ? await serverDatabase() : undefined;
  env = childEnv({ DATA_DIR: dataDir.path, PORT: String(await freePort()), DATABASE_URL: database?.url });
});
const started: ServerProcess[] = [];
afterAll(async () => {
  // A test that failed half-way must not leave its server running.
  for (const server of started)
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await database?.drop();
  dataDir.remove();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A POST whose body arrives in two parts, the second only when `release` is called. */
function slowPost(base: string, path: string, key: string, body: string, agent: Agent | false = false) {
  const url = new URL(path, base);
  let release!: () => void;
  let reusedSocket = false;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { ...bearer(key), 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.on('socket', () => (reusedSocket = req.reusedSocket));
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    release = () => req.end(body.slice(half));
  });
  return { response, release: () => release(), reusedSocket: () => reusedSocket };
}

/** A GET on the given agent, so that the agent holds a connection the server has accepted. */
function warmUp(base: string, agent: Agent) {
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(new URL('/healthz', base), { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

// Real processes on a machine shared with other work: starting one can take a while.
describe('the server process', { timeout: 150_000 }, () => {
  let first: ServerProcess;
  let adminKey: string;
  let officerKey: string;

  it('starts with no configuration but DATA_DIR and PORT, writes the bootstrap key (0600), and answers /healthz', async () => {
    first = await startServerProcess(env);
    started.push(first);
    const keyFile = join(dataDir.path, 'bootstrap-admin.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    adminKey = readFileSync(keyFile, 'utf8').trim();
    expect(adminKey).toMatch(FULL_SECRET);
    secrets.push(adminKey);
    const bootstrapLog = first.logs().find((l) => String(l.msg).startsWith('created the first admin API key'));
    expect(bootstrapLog?.path).toBe(keyFile);
    const health = await fetch(`${first.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{16}$/);
    const ready = await fetch(`${first.base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', engine: onPostgres ? 'postgres' : 'pglite' });
  });

  it('serves /openapi.json (OpenAPI 3.1) and /docs with every asset from itself', async () => {
    const doc = (await (await fetch(`${first.base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/keys', '/v1/keys/{id}', '/v1/audit-log', '/healthz']),
    );
    const page = await fetch(`${first.base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref.startsWith('/')).toBe(true);
      expect(ref.startsWith('//')).toBe(false);
      const asset = await fetch(`${first.base}${ref}`);
      expect(asset.status, ref).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
  });

  it('answers an authenticated route with 200, 401 and 403', async () => {
    const ok = await fetch(`${first.base}/v1/keys`, { headers: bearer(adminKey) });
    expect(ok.status).toBe(200);
    const created = await fetch(`${first.base}/v1/keys`, {
      method: 'POST',
      headers: { ...bearer(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'e2e officer', role: 'officer' }),
    });
    expect(created.status).toBe(201);
    officerKey = ((await created.json()) as { secret: string }).secret;
    secrets.push(officerKey);
    const missing = await fetch(`${first.base}/v1/keys`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const unknown = await fetch(`${first.base}/v1/keys`, { headers: bearer(`rsv_${'A'.repeat(43)}`) });
    expect(unknown.status).toBe(401);
    const forbidden = await fetch(`${first.base}/v1/keys`, { headers: bearer(officerKey) });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { code: string }).code).toBe('forbidden');
  });

  it('refuses a streamed body over the limit with 413 over real HTTP, writing nothing', async () => {
    const before = (
      (await (await fetch(`${first.base}/v1/keys`, { headers: bearer(adminKey) })).json()) as { items: unknown[] }
    ).items.length;
    const big = slowPost(
      first.base,
      '/v1/keys',
      adminKey,
      JSON.stringify({ name: 'x'.repeat(1_200_000), role: 'auditor' }),
    );
    big.release();
    const res = await big.response;
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
    const after = (
      (await (await fetch(`${first.base}/v1/keys`, { headers: bearer(adminKey) })).json()) as { items: unknown[] }
    ).items.length;
    expect(after).toBe(before);
  });

  it('on SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    // The request travels on a connection the server has already accepted (and answered once),
    // so it is in flight when the signal arrives, however slow the machine.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await warmUp(first.base, agent)).toBe(200);
    const inFlight = slowPost(
      first.base,
      '/v1/keys',
      adminKey,
      JSON.stringify({ name: 'created during shutdown', role: 'approver' }),
      agent,
    );
    await new Promise((r) => setTimeout(r, 300)); // the server has the headers and half the body
    expect(inFlight.reusedSocket()).toBe(true);
    first.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await expect(fetch(`${first.base}/healthz`)).rejects.toThrow(); // no longer accepting
    inFlight.release();
    const res = await inFlight.response;
    expect(res.status).toBe(201);
    agent.destroy();
    secrets.push((JSON.parse(res.body) as { secret: string }).secret);
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const messages = first.logs().map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages[messages.length - 1]).toBe('stopped cleanly');
    allOutput.push(first.output());
  });

  it('the CLI works offline on the same data once the server is down', async () => {
    const listed = await runCli(['keys', 'list'], env);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('e2e officer');
    expect(listed.stdout).toContain('created during shutdown');
    const created = await runCli(['keys', 'create', '--role', 'auditor', '--name', 'cli auditor', '--json'], env);
    expect(created.code).toBe(0);
    const auditor = JSON.parse(created.stdout) as { secret: string; created_by: string };
    expect(auditor.created_by).toBe('cli');
    secrets.push(auditor.secret);
  });

  it('starts again on the same data: the state is there, no second bootstrap key; SIGINT stops it, cutting a stalled request off after SHUTDOWN_TIMEOUT_MS', async () => {
    const keyFileBefore = readFileSync(join(dataDir.path, 'bootstrap-admin.key'), 'utf8');
    const second = await startServerProcess({ ...env, SHUTDOWN_TIMEOUT_MS: '500' });
    started.push(second);
    let stopped = false;
    try {
      expect(second.logs().some((l) => String(l.msg).startsWith('created the first admin API key'))).toBe(false);
      expect(readFileSync(join(dataDir.path, 'bootstrap-admin.key'), 'utf8')).toBe(keyFileBefore);
      const keys = await fetch(`${second.base}/v1/keys`, { headers: bearer(adminKey) });
      expect(keys.status).toBe(200);
      const items = ((await keys.json()) as { items: { name: string; role: string }[] }).items;
      expect(items.map((k) => k.name).sort()).toEqual([
        'bootstrap admin',
        'cli auditor',
        'created during shutdown',
        'e2e officer',
      ]);
      expect((await fetch(`${second.base}/v1/keys`, { headers: bearer(officerKey) })).status).toBe(403);
      const auditorKey = secrets[secrets.length - 1]!;
      const log = await fetch(`${second.base}/v1/audit-log`, { headers: bearer(auditorKey) });
      expect(log.status).toBe(200);
      const rows = ((await log.json()) as { items: { action: string; actor_role: string }[] }).items;
      expect(rows.filter((r) => r.action.startsWith('keys.')).map((r) => `${r.actor_role} ${r.action}`)).toEqual([
        'system keys.bootstrap',
        'admin keys.create',
        'admin keys.create',
        'cli keys.create',
      ]);
      // an upload that never finishes holds shutdown only until SHUTDOWN_TIMEOUT_MS
      const stalled = slowPost(
        second.base,
        '/v1/keys',
        adminKey,
        JSON.stringify({ name: 'never finished', role: 'auditor' }),
      );
      const outcome = stalled.response.then(
        () => 'answered',
        () => 'cut off',
      );
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      second.child.kill('SIGINT');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      stopped = true;
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(450);
      expect(await outcome).toBe('cut off');
      const messages = second.logs().map((l) => l.msg);
      expect(messages).toEqual(
        expect.arrayContaining(['shutting down', 'shutdown timeout: closing remaining connections']),
      );
      expect(messages[messages.length - 1]).toBe('stopped cleanly');
    } finally {
      if (!stopped) second.child.kill('SIGKILL');
      allOutput.push(second.output());
    }
  });

  it('never wrote a key secret to its logs', () => {
    expect(secrets).toHaveLength(4);
    const logs = allOutput.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(FULL_SECRET);
  });
});
