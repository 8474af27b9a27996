import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Database } from '../../db/client.js';
import { verifyLedger } from '../../src/ledger/service.js';
import { createLogger } from '../../src/logger.js';
import { createFleetSender, newDeliveryId } from '../../src/payouts/sender.js';
import { listAddresses } from '../../src/policies/service.js';
import { SYSTEM_ACTOR } from '../../src/context.js';
import { onPostgres } from '../support/db.js';
import { registerSites } from '../support/app.js';
import { RegtestChain } from '../support/chain.js';
import { coinbaseTx, paymentTx } from '../support/regtest.js';
import { TEST_SECRET } from '../support/webhook.js';
import { childEnv, freePort, serverDatabase, startServerProcess, tempDir, type ServerProcess } from './process.js';

// The storm: 5,000 signed deliveries (30% duplicates, some concurrent with their original)
// from 50 connections against the real server process on PostgreSQL. PostgreSQL only: PGlite is
// one connection in one process, so there is no concurrency to test on it. It takes 15-60 s
// depending on the machine's load (the timeout leaves room for a busy CI runner). Block events
// carry real headers, so they go parent first, on one connection, while the others storm.

const TOTAL = 5_000;
const DUPLICATES = 1_500;
const BLOCKS = 40;
const CONNECTIONS = 50;

describe.runIf(onPostgres)('webhook storm against the real server on PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let server: ServerProcess;
  let database: Database;
  const dataDir = tempDir('storm');

  beforeAll(async () => {
    db = await serverDatabase();
    const env = childEnv({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir.path,
      PORT: String(await freePort()),
      FLEET_WEBHOOK_SECRETS: TEST_SECRET,
      DATABASE_POOL_SIZE: '20',
      LOG_LEVEL: 'warn',
    });
    server = await startServerProcess({ ...env, LOG_LEVEL: 'info' });
    database = await openDatabase({ databaseUrl: db.url, poolSize: 4 });
  }, 60_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await database?.close();
    await db?.drop();
    dataDir.remove();
  });

  it('records every genuine payout once; the ledger verifies and equals the UTXO set', async () => {
    const ctx = { db: database.db, actor: SYSTEM_ACTOR, requestId: 'storm', log: createLogger('silent') };
    const { items } = await listAddresses(ctx, { policyId: 'regtest-cold', chain: 0, from: 0, count: 10 });
    const addresses = items.map((i) => i.derived);
    const at = (n: number) => new Date(Date.parse('2026-05-01T00:00:00Z') + n * 1000).toISOString();

    await registerSites({ ctx: () => ctx }, ['site-0', 'site-1', 'site-2', 'site-3', 'site-4', 'site-5', 'site-6']);
    const chain = RegtestChain.fromGenesis();
    const blocks = chain.mineMany(BLOCKS);
    const genuine: { id: string; event: unknown }[] = blocks.map((b, i) => ({
      id: newDeliveryId(),
      event: chain.connected(b, at(i)),
    }));
    const payouts: { txid: string; sat: bigint; data: Record<string, unknown> }[] = [];
    for (let i = 0; genuine.length < TOTAL - DUPLICATES; i++) {
      const addr = addresses[i % addresses.length]!;
      const sat = BigInt(1_000 + i);
      const block = blocks[i % BLOCKS]!;
      const coinbase = i % 5 === 0;
      const tx = coinbase
        ? coinbaseTx(block.height, [{ script: addr.scriptPubKey, valueSat: sat }], `storm-${i}`)
        : paymentTx([{ script: addr.scriptPubKey, valueSat: sat }], i + 1);
      const data = {
        site_id: `site-${i % 7}`,
        txid: tx.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: sat.toString(),
        coinbase,
        block_height: block.height,
        block_hash: block.hash,
      };
      payouts.push({ txid: tx.getId(), sat, data });
      genuine.push({ id: newDeliveryId(), event: { type: 'payout.received', timestamp: at(1000 + i), data } });
    }
    // Two thirds of the duplicates are the same delivery again (same id and body); one third the
    // same payout re-sent under a new id, as a fleet that lost its own record would.
    const duplicates = Array.from({ length: DUPLICATES }, (_, k) => {
      const original = genuine[(k * 7919) % genuine.length]!;
      return k % 3 === 2 && (original.event as { type: string }).type === 'payout.received'
        ? { id: newDeliveryId(), event: original.event }
        : original;
    });
    const queue = [...genuine, ...duplicates];
    for (let i = queue.length - 1; i > 0; i--) {
      const j = (i * 2654435761) % (i + 1);
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }
    expect(queue).toHaveLength(TOTAL);

    const sender = createFleetSender({
      url: `${server.base}/v1/webhooks/fleet`,
      secret: TEST_SECRET,
      connections: CONNECTIONS,
      retries: 3,
    });
    const statuses = new Map<number, number>();
    const isBlock = (d: (typeof queue)[number]) => (d.event as { type: string }).type === 'block.connected';
    const heightOf = (d: (typeof queue)[number]) => (d.event as { data: { height: number } }).data.height;
    const chainQueue = queue.filter(isBlock).sort((a, b) => heightOf(a) - heightOf(b));
    const payoutQueue = queue.filter((d) => !isBlock(d));
    const drain = async (list: typeof queue, cursor: { next: number }) => {
      while (cursor.next < list.length) {
        const d = list[cursor.next++]!;
        const r = await sender.send(d.event, d.id);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    const payoutCursor = { next: 0 };
    const started = performance.now();
    await Promise.all([
      drain(chainQueue, { next: 0 }),
      ...Array.from({ length: CONNECTIONS - 1 }, () => drain(payoutQueue, payoutCursor)),
    ]);
    const seconds = (performance.now() - started) / 1000;
    sender.close();
    console.log(
      `storm: ${TOTAL} deliveries in ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)}/s) over ${CONNECTIONS} connections`,
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: TOTAL });

    const [coins] = rowsOf<{ n: bigint; total: string }>(
      await database.db.execute(sql`select count(*) as n, sum(amount_sat)::text as total from utxos`),
    );
    expect(coins!.n).toBe(BigInt(payouts.length));
    expect(BigInt(coins!.total)).toBe(payouts.reduce((s, p) => s + p.sat, 0n));
    const [receipts] = rowsOf<{ n: bigint }>(
      await database.db.execute(sql`select count(*) as n from ledger_entries where kind = 'payout.receipt'`),
    );
    expect(receipts!.n).toBe(BigInt(payouts.length));
    const [events] = rowsOf<{ n: bigint }>(await database.db.execute(sql`select count(*) as n from webhook_events`));
    expect(events!.n).toBe(BigInt(genuine.length + duplicates.filter((d) => !genuine.includes(d)).length));

    const adminKey = readFileSync(join(dataDir.path, 'bootstrap-admin.key'), 'utf8').trim();
    const holdings = (await (
      await fetch(`${server.base}/v1/reports/holdings`, { headers: { authorization: `Bearer ${adminKey}` } })
    ).json()) as any;
    expect(holdings.check).toEqual({ ledger_equals_utxo_set: true, mismatches: [] });
    expect(BigInt(holdings.total_sat)).toBe(BigInt(coins!.total));
    expect(await verifyLedger(ctx)).toMatchObject({ ok: true });
  }, 240_000);
});
