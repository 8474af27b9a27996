import { getBalance, verifyLedger } from '../../../src/ledger/service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coinbaseTx, GENESIS_PREV, mineBlock, mineChain, paymentTx } from '../../support/regtest.js';
import { blockConnected, blockDisconnected, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

let t: FleetApp;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

async function holdings() {
  const r = await t.request('GET', '/v1/reports/holdings');
  expect(r.status).toBe(200);
  expect(r.json.check.ledger_equals_utxo_set).toBe(true);
  return Object.fromEntries(r.json.holdings.map((h: any) => [`${h.policy_id}:${h.status}`, h.amount_sat]));
}

async function utxo(txid: string, vout = 0) {
  const r = await t.request('GET', `/v1/utxos/${txid}/${vout}`);
  expect(r.status).toBe(200);
  return r.json;
}

async function balanceOf(account: string) {
  return String(await getBalance(t.ctx(), account, 'BTC'));
}

describe('coinbase maturity at the boundary, and a 3-block reorg', () => {
  it('a coinbase is immature at 99 confirmations and available at 100', async () => {
    const addr = t.addresses[0]!;
    const { blocks, coinbases } = mineChain(
      1,
      1,
      GENESIS_PREV,
      () => [{ script: addr.script, valueSat: 312_500_000n }],
      'maturity',
    );
    const cb = coinbases[0]!;
    const payout = await t.send(
      payoutReceived({
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
      }),
    );
    expect(payout.status, payout.text).toBe(200);
    expect(payout.json.utxo.status).toBe('unconfirmed'); // its block has not been connected yet
    await t.connect(blocks);
    expect((await utxo(cb.getId())).status).toBe('immature');

    const rest = mineChain(2, 98, blocks[0]!.hash, () => [], 'maturity');
    await t.connect(rest.blocks);
    const at99 = await utxo(cb.getId());
    expect(at99.confirmations).toBe(99);
    expect(at99.status).toBe('immature');
    expect(await holdings()).toMatchObject({ 'regtest-cold:immature': '312500000' });

    const hundredth = mineBlock(100, rest.blocks[97]!.hash, [
      coinbaseTx(100, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'maturity'),
    ]);
    await t.connect([hundredth]);
    const at100 = await utxo(cb.getId());
    expect(at100.confirmations).toBe(100);
    expect(at100.status).toBe('available');
    expect(at100.history.map((h: any) => h.to_status)).toEqual(['unconfirmed', 'immature', 'available']);
    const h = await holdings();
    expect(h['regtest-cold:available']).toBe('312500000');
    expect(h['regtest-cold:immature']).toBeUndefined();

    // Disconnecting the 100th block steps the coin back to immature (a reclassification, not a loss).
    const back = await t.send(blockDisconnected(100, hundredth.hash));
    expect(back.status).toBe(200);
    expect((await utxo(cb.getId())).status).toBe('immature');
    expect((await t.request('GET', '/v1/chain/tip')).json).toEqual({ height: 99, hash: rest.blocks[97]!.hash });
  });

  it('a 3-block reorg orphans a coinbase for good, reverses its revenue, and the replacement chain takes over', async () => {
    const addr = t.addresses[1]!;
    const base = mineChain(200, 1, GENESIS_PREV, () => [], 'reorg-base');
    await t.connect(base.blocks);
    const old = mineChain(
      201,
      3,
      base.blocks[0]!.hash,
      (h) => (h === 202 ? [{ script: addr.script, valueSat: 625_000_000n }] : []),
      'old',
    );
    await t.connect(old.blocks);
    const cb = old.coinbases[1]!;
    // An ordinary payment mined in the same old block: it goes back to unconfirmed, not orphaned.
    const pay = paymentTx([{ script: addr.script, valueSat: 10_000n }], 7);
    for (const [tx, coinbase, amount] of [
      [cb, true, '6.25'],
      [pay, false, '0.0001'],
    ] as const) {
      const r = await t.send(
        payoutReceived({
          site_id: 'gas-2',
          txid: tx.getId(),
          vout: 0,
          address: addr.address,
          amount_btc: amount,
          coinbase,
          block_height: 202,
          block_hash: old.blocks[1]!.hash,
          raw_tx_hex: tx.toHex(),
        }),
      );
      expect(r.status, r.text).toBe(200);
    }
    expect((await utxo(cb.getId())).status).toBe('immature');
    expect((await utxo(pay.getId())).status).toBe('available');
    expect(await balanceOf('Income:Mining:gas-2')).toBe('-625010000');

    for (const b of [...old.blocks].reverse())
      expect((await t.send(blockDisconnected(b.height, b.hash))).status).toBe(200);
    const replacement = mineChain(201, 4, base.blocks[0]!.hash, () => [], 'new');
    await t.connect(replacement.blocks);

    const orphan = await utxo(cb.getId());
    expect(orphan.status).toBe('orphaned');
    expect(orphan.history.at(-1).ledger_entries.map((e: any) => e.kind)).toContain('payout.orphaned');
    expect((await utxo(pay.getId())).status).toBe('unconfirmed');
    expect(await balanceOf('Income:Mining:gas-2')).toBe('-10000'); // the coinbase revenue is reversed
    expect((await t.request('GET', '/v1/chain/tip')).json.hash).toBe(replacement.blocks[3]!.hash);

    // Reconnecting the old block later does not resurrect the coinbase: orphaned for good.
    expect((await t.send(blockConnected(202, old.blocks[1]!.hash, old.blocks[0]!.hash))).status).toBe(200);
    expect((await utxo(cb.getId())).status).toBe('orphaned');
    // A payout that claims a block known to be disconnected is orphaned on arrival.
    const late = coinbaseTx(203, [{ script: addr.script, valueSat: 1_000n }], 'late');
    const r = await t.send(
      payoutReceived({
        site_id: 'gas-2',
        txid: late.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: '1000',
        coinbase: true,
        block_height: 203,
        block_hash: old.blocks[2]!.hash,
      }),
    );
    expect(r.status).toBe(200);
    expect(r.json.utxo.status).toBe('orphaned');
    await holdings();
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
  });
});
