// Webhook-ids up to the documented 256 characters work for every event, also those that move a
// coin (a payout adding its block, a maturing block.connected, a disconnect): the ledger source of
// a move names a SHA-256 of a long id instead of the id itself, which would outgrow source.id's
// 200 characters. A replay of such a delivery answers as the first. Both engines.
// (With headers a disconnect is advisory: the reorg that moves a coin back is a heavier branch's
// block.connected, here under a long id.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../../support/chain.js';
import { paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp } from './fixture.js';

let t: Awaited<ReturnType<typeof createFleetApp>>;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

const longId = (n: number) => `msg_${String(n).padStart(4, '0')}${'x'.repeat(252 - 4)}`.slice(0, 256);

describe('webhook-ids of 256 characters', () => {
  it('move coins: block, maturity and reorg each book their entry, and a replay answers the same', async () => {
    const addr = t.addresses[0]!;
    const chain = RegtestChain.fromGenesis();
    // An ordinary payment mined in the 100th block: the reorg below moves it back to unconfirmed.
    const pay = paymentTx([{ script: addr.script, valueSat: 10_000n }], 11);
    const blocks = chain.mineMany(100, (h) => ({
      payTo: [{ script: addr.script, valueSat: 312_500_000n }],
      txs: h === 100 ? [pay] : [],
    }));
    const cb = blocks[0]!.txs[0]!;
    let n = 0;
    const payout = payoutReceived({
      site_id: 'dam-1',
      pool: 'own',
      txid: cb.getId(),
      vout: 0,
      address: addr.address,
      amount_btc: '3.125',
      coinbase: true,
      block_height: 1,
      block_hash: blocks[0]!.hash,
      raw_tx_hex: cb.toHex(),
    });
    expect(longId(0)).toHaveLength(256);
    const first = await t.send(payout, { id: longId(n++) });
    expect(first.status, first.text).toBe(200);
    const last = blocks[blocks.length - 1]!;
    for (const b of blocks) {
      const r = await t.send(chain.connected(b), { id: longId(n++) });
      expect(r.status, r.text).toBe(200);
    }
    // The proof of the payment needs its block's header: sent after the blocks.
    const paid = await t.send(
      payoutReceived({
        site_id: 'dam-1',
        txid: pay.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: '10000',
        coinbase: false,
        block_height: last.height,
        block_hash: last.hash,
        ...chain.proof(last, pay),
      }),
      { id: longId(n++) },
    );
    expect(paid.status, paid.text).toBe(200);
    expect((await t.request('GET', `/v1/utxos/${pay.getId()}/0`)).json.status).toBe('available');
    const coin = await t.request('GET', `/v1/utxos/${cb.getId()}/0`);
    expect(coin.json.status).toBe('available');
    expect(coin.json.history.map((h: { to_status: string }) => h.to_status)).toEqual([
      'unconfirmed',
      'immature',
      'available',
    ]);
    // A heavier branch from block 99 replaces block 100: the payment steps back to unconfirmed.
    const fork = chain.fork(blocks[98]!);
    const [f100, f101] = [fork.mine({ tag: 'fork' }), fork.mine({ tag: 'fork' })];
    expect((await t.send(fork.connected(f100!), { id: longId(n++) })).status).toBe(200);
    const reorg = fork.connected(f101!);
    const id = longId(n++);
    const back = await t.send(reorg, { id });
    expect(back.status, back.text).toBe(200);
    expect(back.json.reorg.disconnected).toEqual([last.hash]);
    expect((await t.request('GET', `/v1/utxos/${pay.getId()}/0`)).json.status).toBe('unconfirmed');
    expect((await t.request('GET', `/v1/utxos/${cb.getId()}/0`)).json.status).toBe('available');
    const replay = await t.send(reorg, { id });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(back.text);
    const verify = await t.request('GET', '/v1/ledger/verify');
    expect(verify.json.ok).toBe(true);
  });
});
