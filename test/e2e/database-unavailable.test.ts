import { createServer, type Server, type Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Database, isDatabaseUnavailable, openDatabase, rowsOf } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { createApp } from '../../src/app.js';
import { SYSTEM_ACTOR } from '../../src/context.js';
import { createKey } from '../../src/keys/index.js';
import { createLogger } from '../../src/logger.js';
import { listAddresses } from '../../src/policies/index.js';
import { loadAndSyncPolicies } from '../../src/policies/startup.js';
import { EXAMPLE_POLICIES_DIR, registerSites } from '../support/app.js';
import { onPostgres } from '../support/db.js';
import { payoutReceived, signEvent, TEST_SECRET } from '../support/webhook.js';
import { serverDatabase } from './process.js';

// The app talks to PostgreSQL through a TCP proxy in this process; the test cuts the proxy (it
// never stops the shared server): every request must then answer a 503 problem with Retry-After
// within a few seconds, /readyz 503, and the service must recover by itself once the proxy is back.

/** A TCP proxy to target that can be stalled (holds bytes) and cut (closes every socket, refuses new ones). */
function tcpProxy(target: URL) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let stalled = false;
  /** Stall as soon as the service sends bytes containing this (they are held back too). */
  let stallOn: Buffer | null = null;
  let stallSeen: () => void = () => {};
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
        client.on('data', (d: Buffer) => {
          if (stallOn && d.includes(stallOn)) {
            stalled = true;
            stallOn = null;
            stallSeen();
          }
          if (!stalled) upstream.write(d);
        });
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
    /** Resolves once the service sent `text` (held back, with everything after it, until cut). */
    stallOn: (text: string) =>
      new Promise<void>((resolve) => {
        stallOn = Buffer.from(text);
        stallSeen = resolve;
      }),
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

// A group commit (payouts/webhook.ts) that loses its connection after every statement of the
// group but the COMMIT: each delivery of the group is answered 503, nothing of the group is
// written, and the same deliveries retried once the database is back are applied exactly once.
describe.runIf(onPostgres)('a group commit that loses its connection', { timeout: 60_000 }, () => {
  const GROUP = 20;
  let dropDatabase: () => Promise<void>;
  let direct: Database;
  let database: Database;
  let app: ReturnType<typeof createApp>['app'];
  const log = createLogger('silent');
  let proxy: ReturnType<typeof tcpProxy>;

  beforeAll(async () => {
    const created = await serverDatabase();
    dropDatabase = created.drop;
    direct = await openDatabase({ databaseUrl: created.url, poolSize: 2 });
    await runMigrations(direct);
    await loadAndSyncPolicies(direct.db, EXAMPLE_POLICIES_DIR, log);
    const ctx = () => ({ db: direct.db, actor: SYSTEM_ACTOR, requestId: 'test', log });
    await registerSites({ ctx }, ['cut-site']);
    proxy = tcpProxy(new URL(created.url));
    await proxy.listen();
    const url = new URL(created.url);
    url.port = String(proxy.port.value);
    url.hostname = '127.0.0.1';
    database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4, connectTimeoutS: 15 });
    app = createApp({
      database,
      config: { BODY_LIMIT_BYTES: 1024 * 1024, FLEET_WEBHOOK_SECRETS: [TEST_SECRET] },
      log,
    }).app;
  });
  afterAll(async () => {
    await database?.close();
    await direct?.close();
    await proxy?.cut();
    await dropDatabase?.();
  });

  /** What the group would have written, counted on a connection of its own. */
  async function written() {
    const [row] = rowsOf<Record<string, number>>(
      await direct.db.execute(sql`select
        (select count(*) from webhook_events)::int as events,
        (select count(*) from utxos)::int as coins,
        (select count(*) from utxo_history)::int as history,
        (select count(*) from ledger_entries where kind = 'payout.receipt')::int as receipts,
        (select count(*) from audit_log where action = 'fleet.payout.received')::int as audits`),
    );
    return row!;
  }

  it('answers every delivery of the group 503, writes none of it, and applies each retry once', async () => {
    const ctx = { db: direct.db, actor: SYSTEM_ACTOR, requestId: 'test', log };
    const address = (await listAddresses(ctx, { policyId: 'regtest-cold', chain: 0, from: 0, count: 1 })).items[0]!
      .derived.address;
    const deliveries = Array.from({ length: GROUP }, (_, i) =>
      signEvent(
        payoutReceived({
          site_id: 'cut-site',
          txid: randomBytes(32).toString('hex'),
          vout: 0,
          address,
          amount_sat: String(10_000 + i),
          coinbase: false,
        }),
      ),
    );
    const send = (d: (typeof deliveries)[number]) =>
      app.request('/v1/webhooks/fleet', { method: 'POST', headers: d.headers, body: d.body });

    // Every delivery in one turn of the event loop: one group. The proxy holds back the group's
    // COMMIT (the first on the wire: nothing else runs), then the connection is cut.
    const committing = proxy.stallOn('commit');
    const answers = Promise.all(deliveries.map(send));
    await committing;
    const cutAt = performance.now();
    await proxy.cut();
    for (const response of await answers) {
      expect(performance.now() - cutAt).toBeLessThan(5_000);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('retry-after')).toBe('5');
      expect(((await response.json()) as { code: string }).code).toBe('service_unavailable');
    }
    expect(await written()).toEqual({ events: 0, coins: 0, history: 0, receipts: 0, audits: 0 });

    // Back: the same deliveries (same ids, bodies and signatures) are applied, each once.
    await proxy.listen();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await app.request('/readyz')).status !== 200)
      await new Promise((r) => setTimeout(r, 200));
    const first = await Promise.all(deliveries.map(send));
    const bodies = await Promise.all(first.map((r) => r.text()));
    expect(first.map((r) => r.status)).toEqual(deliveries.map(() => 200));
    const once = { events: GROUP, coins: GROUP, history: GROUP, receipts: GROUP, audits: GROUP };
    expect(await written()).toEqual(once);
    // And again: the stored answers, byte for byte, nothing more written.
    const again = await Promise.all(deliveries.map(send));
    expect(again.map((r) => r.status)).toEqual(deliveries.map(() => 200));
    expect(await Promise.all(again.map((r) => r.text()))).toEqual(bodies);
    expect(await written()).toEqual(once);
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
