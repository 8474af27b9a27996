import { getBalance, verifyLedger } from '../../../src/ledger/service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../../support/chain.js';
import { coinbaseTx, paymentTx } from '../../support/regtest.js';
import { blockDisconnected, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

// One header chain from regtest's genesis for the file: the second test builds on the first's tip.
const chain = RegtestChain.fromGenesis();
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
    const blocks = [chain.mine({ payTo: [{ script: addr.script, valueSat: 312_500_000n }] })];
    const cb = blocks[0]!.txs[0]!;
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

    const rest = { blocks: chain.mineMany(98) };
    await t.connect(rest.blocks);
    const at99 = await utxo(cb.getId());
    expect(at99.confirmations).toBe(99);
    expect(at99.status).toBe('immature');
    expect(await holdings()).toMatchObject({ 'regtest-cold:immature': '312500000' });

    const hundredth = chain.mine({ payTo: [{ script: Buffer.from([0x51]), valueSat: 1n }] });
    expect(hundredth.height).toBe(100);
    await t.connect([hundredth]);
    const at100 = await utxo(cb.getId());
    expect(at100.confirmations).toBe(100);
    expect(at100.status).toBe('available');
    expect(at100.history.map((h: any) => h.to_status)).toEqual(['unconfirmed', 'immature', 'available']);
    const h = await holdings();
    expect(h['regtest-cold:available']).toBe('312500000');
    expect(h['regtest-cold:immature']).toBeUndefined();

    // A block.disconnected of the 100th block is advisory: the header tree (most work) keeps it, so
    // the coin stays available and the tip stays. (With headers on regtest a tip never gets lower:
    // every block has the same work, so a heavier branch is a longer one.)
    const back = await t.send(blockDisconnected(100, hundredth.hash));
    expect(back.status).toBe(200);
    expect((await utxo(cb.getId())).status).toBe('available');
    expect((await t.request('GET', '/v1/chain/tip')).json).toEqual({ height: 100, hash: hundredth.hash });
  });

  it('a 3-block reorg orphans a coinbase for good, reverses its revenue, and the replacement chain takes over', async () => {
    const addr = t.addresses[1]!;
    const base = { blocks: [chain.mine()] };
    await t.connect(base.blocks);
    // An ordinary payment mined in the second old block with its coinbase: it goes back to unconfirmed, not orphaned.
    const pay = paymentTx([{ script: addr.script, valueSat: 10_000n }], 7);
    const old = {
      blocks: [
        chain.mine({ tag: 'old' }),
        chain.mine({ tag: 'old', payTo: [{ script: addr.script, valueSat: 625_000_000n }], txs: [pay] }),
        chain.mine({ tag: 'old' }),
      ],
    };
    await t.connect(old.blocks);
    const cb = old.blocks[1]!.txs[0]!;
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
          block_height: old.blocks[1]!.height,
          block_hash: old.blocks[1]!.hash,
          raw_tx_hex: tx.toHex(),
        }),
      );
      expect(r.status, r.text).toBe(200);
    }
    expect((await utxo(cb.getId())).status).toBe('immature');
    expect((await utxo(pay.getId())).status).toBe('available');
    expect(await balanceOf('Income:Mining:gas-2')).toBe('-625010000');

    // The disconnect events are advisory; the replacement branch, one block heavier, reorganises.
    for (const b of [...old.blocks].reverse())
      expect((await t.send(blockDisconnected(b.height, b.hash))).status).toBe(200);
    expect((await utxo(cb.getId())).status).toBe('immature');
    const replacement = { blocks: chain.fork(base.blocks[0]!).mineMany(4, () => ({ tag: 'new' })) };
    await t.connect(replacement.blocks);

    const orphan = await utxo(cb.getId());
    expect(orphan.status).toBe('orphaned');
    expect(orphan.history.at(-1).ledger_entries.map((e: any) => e.kind)).toContain('payout.orphaned');
    expect((await utxo(pay.getId())).status).toBe('unconfirmed');
    expect(await balanceOf('Income:Mining:gas-2')).toBe('-10000'); // the coinbase revenue is reversed
    expect((await t.request('GET', '/v1/chain/tip')).json.hash).toBe(replacement.blocks[3]!.hash);

    // Reconnecting the old block later does not resurrect the coinbase: orphaned for good.
    expect((await t.send(chain.connected(old.blocks[1]!))).status).toBe(200);
    expect((await utxo(cb.getId())).status).toBe('orphaned');
    // A payout that claims a block known to be disconnected is orphaned on arrival.
    const late = coinbaseTx(old.blocks[2]!.height, [{ script: addr.script, valueSat: 1_000n }], 'late');
    const r = await t.send(
      payoutReceived({
        site_id: 'gas-2',
        txid: late.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: '1000',
        coinbase: true,
        block_height: old.blocks[2]!.height,
        block_hash: old.blocks[2]!.hash,
      }),
    );
    expect(r.status).toBe(200);
    expect(r.json.utxo.status).toBe('orphaned');
    await holdings();
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
  });
});
