// Webhook-ids up to the documented 256 characters work for every event, also those that move a
// coin (a payout adding its block, a maturing block.connected, a disconnect): the ledger source of
// a move names a SHA-256 of a long id instead of the id itself, which would outgrow source.id's
// 200 characters. A replay of such a delivery answers as the first. Both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockDisconnected, payoutReceived } from '../../support/webhook.js';
import { GENESIS_PREV, mineChain } from '../../support/regtest.js';
import { createFleetApp } from './fixture.js';
import { blockConnected } from '../../support/webhook.js';

let t: Awaited<ReturnType<typeof createFleetApp>>;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

const longId = (n: number) => `msg_${String(n).padStart(4, '0')}${'x'.repeat(252 - 4)}`.slice(0, 256);

describe('webhook-ids of 256 characters', () => {
  it('move coins: block, maturity and disconnect each book their entry, and a replay answers the same', async () => {
    const addr = t.addresses[0]!;
    const { blocks, coinbases } = mineChain(
      1,
      100,
      GENESIS_PREV,
      () => [{ script: addr.script, valueSat: 312_500_000n }],
      'long-ids',
    );
    const cb = coinbases[0]!;
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
    for (const b of blocks) {
      const r = await t.send(blockConnected(b.height, b.hash, b.prevHash), { id: longId(n++) });
      expect(r.status, r.text).toBe(200);
    }
    const coin = await t.request('GET', `/v1/utxos/${cb.getId()}/0`);
    expect(coin.json.status).toBe('available');
    expect(coin.json.history.map((h: { to_status: string }) => h.to_status)).toEqual([
      'unconfirmed',
      'immature',
      'available',
    ]);
    const last = blocks[blocks.length - 1]!;
    const disconnect = blockDisconnected(last.height, last.hash);
    const id = longId(n++);
    const back = await t.send(disconnect, { id });
    expect(back.status, back.text).toBe(200);
    expect((await t.request('GET', `/v1/utxos/${cb.getId()}/0`)).json.status).toBe('immature');
    const replay = await t.send(disconnect, { id });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(back.text);
    const verify = await t.request('GET', '/v1/ledger/verify');
    expect(verify.json.ok).toBe(true);
  });
});
