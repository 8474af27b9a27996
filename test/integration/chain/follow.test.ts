import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { CHAIN_PARAMS } from '../../../src/chain/index.js';
import { type FollowOptions, runFollow } from '../../../src/cli/commands/follow.js';
import { coinbaseTx, mineBlock, paymentTx, type RegtestBlock } from '../../support/regtest.js';
import { TEST_SECRET } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

// `reserve fleet follow` end to end: a JSON-RPC server in the test process serves real regtest
// blocks (bitcoinjs-lib, valid proof of work, transactions paying vault addresses); the follower
// posts to the real app over HTTP; a crash part-way, a restart, and a reorg.

const GENESIS = CHAIN_PARAMS.regtest.genesisHash;
const filler = (h: number, tag: string) => coinbaseTx(h, [{ script: Buffer.from([0x51]), valueSat: 1n }], tag);

describe('reserve fleet follow against a JSON-RPC node', () => {
  let t: FleetApp;
  let app: ServerType;
  let node: Server;
  let chain: RegtestBlock[] = [];
  let failAtHeight: number | null = null;
  let options: FollowOptions;
  const said: string[] = [];
  const quiet = { env: {}, out: (line: string) => void said.push(line) };

  beforeAll(async () => {
    t = await createFleetApp();
    // Payouts name a registered site.
    await t.sites(['hydro-1']);
    app = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => app.once('listening', r));
    node = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        const reply = (result: unknown, error: unknown = null) => res.end(JSON.stringify({ id, result, error }));
        if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
          res.statusCode = 401;
          return res.end();
        }
        if (method === 'getblockchaininfo') return reply({ chain: 'regtest', blocks: chain.length });
        if (method === 'getblockhash') {
          const b = chain[(params[0] as number) - 1];
          return b ? reply(b.hash) : reply(null, { code: -8, message: 'Block height out of range' });
        }
        if (method === 'getblockheader') {
          const b = chain.find((x) => x.hash === params[0]);
          return b
            ? reply(Buffer.from(b.block.toBuffer(true)).toString('hex'))
            : reply(null, { code: -5, message: 'Block not found' });
        }
        if (method === 'getblock') {
          const b = chain.find((x) => x.hash === params[0]);
          if (b && b.height === failAtHeight) return reply(null, { code: -1, message: 'node went away' });
          return b ? reply(b.block.toHex()) : reply(null, { code: -5, message: 'Block not found' });
        }
        reply(null, { code: -32601, message: 'Method not found' });
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => node.once('listening', r));
    const appPort = (app.address() as AddressInfo).port;
    options = {
      rpcUrl: `http://127.0.0.1:${(node.address() as AddressInfo).port}`,
      rpcAuth: { user: 'u', password: 'p' },
      webhookUrl: `http://127.0.0.1:${appPort}/v1/webhooks/fleet`,
      secret: TEST_SECRET,
      apiUrl: `http://127.0.0.1:${appPort}`,
      apiKey: t.keys.auditor,
      stateFile: join(mkdtempSync(join(tmpdir(), 'follow-')), 'state.json'),
      site: 'hydro-1',
      fromHeight: 1,
      pollMs: 10,
      once: true,
      progress: false,
      retries: 0,
      batchBlocks: 2,
    };
  });
  afterAll(async () => {
    node.close();
    app.close();
    await t.close();
  });

  const count = async (table: string) =>
    Number(
      rowsOf<{ n: number }>(await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n,
    );
  const coins = async () =>
    rowsOf<{ txid: string; status: string; block_hash: string | null; merkle_proven: boolean }>(
      await t.database.db.execute(sql`select txid, status, block_hash, merkle_proven from utxos order by txid`),
    );
  const tip = async () => (await t.request('GET', '/v1/chain/tip')).json as { height: number; hash: string };

  it('backfills, survives a crash part-way, resumes without gap or duplicate, and follows a reorg', async () => {
    const vault = Buffer.from(t.addresses[3]!.script);
    const cb = coinbaseTx(2, [{ script: vault, valueSat: 5_000_000_000n }], 'f');
    const pay = paymentTx(
      [
        { script: Buffer.from([0x51]), valueSat: 5n },
        { script: vault, valueSat: 40_000n },
      ],
      555,
    );
    const a: RegtestBlock[] = [];
    const push = (list: RegtestBlock[], h: number, txs: ReturnType<typeof filler>[]) =>
      list.push(mineBlock(h, list[list.length - 1]?.hash ?? GENESIS, txs));
    push(a, 1, [filler(1, 'a')]);
    push(a, 2, [cb]);
    push(a, 3, [filler(3, 'a'), pay]);
    push(a, 4, [filler(4, 'a')]);
    chain = a;

    // The node fails at block 3: the follower stops with its cursor at 2.
    failAtHeight = 3;
    expect(await runFollow(options, quiet)).toBe(1);
    expect((await tip()).height).toBe(2);
    // Restarted: resumes at 3.
    failAtHeight = null;
    expect(await runFollow(options, quiet), said.join('\n')).toBe(0);
    expect(await tip()).toMatchObject({ height: 4, hash: a[3]!.hash });
    const events = await count('webhook_events');
    expect(await coins()).toHaveLength(2);
    // Run again with nothing new: nothing is posted.
    expect(await runFollow(options, quiet), said.join('\n')).toBe(0);
    expect(await count('webhook_events')).toBe(events);

    // Reorg: blocks 3-4 replaced by 3'-5', the payment re-mined in 4'.
    const b = a.slice(0, 2);
    push(b, 3, [filler(3, 'b')]);
    push(b, 4, [filler(4, 'b'), pay]);
    push(b, 5, [filler(5, 'b')]);
    chain = b;
    expect(await runFollow(options, quiet), said.join('\n')).toBe(0);
    expect(await tip()).toMatchObject({ height: 5, hash: b[4]!.hash });
    const after = await coins();
    expect(after).toHaveLength(2);
    const byTxid = new Map(after.map((c) => [c.txid, c]));
    expect(byTxid.get(cb.getId())).toMatchObject({ status: 'immature', block_hash: a[1]!.hash, merkle_proven: true });
    expect(byTxid.get(pay.getId())).toMatchObject({ status: 'available', block_hash: b[3]!.hash, merkle_proven: true });
    const blocks = rowsOf<{ hash: string; connected: boolean }>(
      await t.database.db.execute(sql`select hash, connected from chain_blocks`),
    );
    const connectedSet = new Set(blocks.filter((x) => x.connected).map((x) => x.hash));
    expect(connectedSet).toEqual(new Set(b.map((x) => x.hash)));
  });
});
