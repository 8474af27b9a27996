import { createServer, type Server, type Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, isDatabaseUnavailable, openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { createApp } from '../../src/app.js';
import { SYSTEM_ACTOR } from '../../src/context.js';
import { createKey } from '../../src/keys/index.js';
import { createLogger } from '../../src/logger.js';
import { onPostgres } from '../support/db.js';
import { serverDatabase } from './process.js';

// The app talks to PostgreSQL through a TCP proxy in this process; the test cuts the proxy (it
// never stops the shared server): every request must then answer a 503 problem with Retry-After
// within a few seconds, /readyz 503, and the service must recover by itself once the proxy is back.

/** A TCP proxy to target that can be stalled (holds bytes) and cut (closes every socket, refuses new ones). */
function tcpProxy(target: URL) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let stalled = false;
  const port = { value: 0 };
  const listen = () =>
    new Promise<void>((resolve) => {
      const current = createServer((client) => {
        if (!current.listening) return void client.destroy(); // accepted while being cut
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.on('data', (d) => (stalled ? undefined : upstream.write(d)));
        upstream.on('data', (d) => (stalled ? undefined : client.write(d)));
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server = current;
      current.listen(port.value, '127.0.0.1', () => {
        const address = current.address();
        port.value = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
    });
  return {
    port,
    listen,
    stall: () => {
      stalled = true;
    },
    cut: async () => {
      stalled = false;
      server?.close(); // stops accepting at once; the callback would wait for sockets node still counts
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
    },
  };
}

describe.runIf(onPostgres)('PostgreSQL unreachable', { timeout: 60_000 }, () => {
  let dropDatabase: () => Promise<void>;
  let database: Database;
  let adminKey: string;
  let app: ReturnType<typeof createApp>['app'];
  const log = createLogger('silent');
  let proxy: ReturnType<typeof tcpProxy>;

  beforeAll(async () => {
    const created = await serverDatabase();
    dropDatabase = created.drop;
    const direct = await openDatabase({ databaseUrl: created.url, poolSize: 3 });
    await runMigrations(direct);
    adminKey = (
      await createKey({
        ctx: { db: direct.db, actor: SYSTEM_ACTOR, requestId: 'test', log },
        input: { name: 'admin', role: 'admin' },
      })
    ).secret;
    await direct.close();
    const url = new URL(created.url);
    proxy = tcpProxy(new URL(created.url));
    await proxy.listen();
    url.port = String(proxy.port.value);
    url.hostname = '127.0.0.1';
    database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4, connectTimeoutS: 15 });
    app = createApp({ database, config: { BODY_LIMIT_BYTES: 1024 * 1024 }, log }).app;
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.cut();
    await dropDatabase?.();
  });

  const keys = () => app.request('/v1/keys', { headers: { authorization: `Bearer ${adminKey}` } });
  async function expect503(response: Response, startedMs: number) {
    expect(performance.now() - startedMs).toBeLessThan(5_000);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
    const body = (await response.json()) as { code: string; detail: string };
    expect(body.code).toBe('service_unavailable');
    expect(body.detail).not.toMatch(/ECONN|postgres|CONNECTION/i); // no driver detail leaks
  }

  it('answers 503 with Retry-After while it is down, mid-request too, and recovers by itself', async () => {
    expect((await keys()).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);

    // cut in the middle of a request: the statement was sent, the answer never comes
    proxy.stall();
    let started = performance.now();
    const inFlight = keys();
    await new Promise((r) => setTimeout(r, 300));
    await proxy.cut();
    await expect503(await inFlight, started);

    // down: a new connection is refused; each request still answers in a few seconds
    for (let i = 0; i < 3; i++) {
      started = performance.now();
      await expect503(await keys(), started);
    }
    started = performance.now();
    const ready = await app.request('/readyz');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(ready.status).toBe(503);

    // back on the same port: the pool reconnects on its own
    await proxy.listen();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await keys()).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});

describe('isDatabaseUnavailable', () => {
  it('sees connection errors through the wrappers drizzle and node put around them', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const drizzle = Object.assign(new Error('Failed query: select 1'), { cause: refused });
    expect(isDatabaseUnavailable(drizzle)).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([refused]))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'CONNECTION_ENDED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    // a request's own fault is not "unavailable": unique violation, check violation, plain errors
    expect(isDatabaseUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { cause: { code: '23514' } }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
