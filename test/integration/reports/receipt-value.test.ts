// Issue 13, finding 5: a mining receipt carries its value at receipt. Each BTC posting of a
// payout.receipt is priced at the mark in force at the entry's time (the latest at or before it,
// not a later one, not the latest overall), and the entry names the mark's source; a receipt
// before any mark says so and is unpriced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../../support/chain.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

let t: FleetApp;
const chain = RegtestChain.fromGenesis();
const TIMES = ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-03T10:00:00Z'];

async function pay(i: number) {
  const b = chain.mine({ time: TIMES[i]!, payTo: [{ script: t.addresses[i + 1]!.script, valueSat: 100_000_000n }] });
  expect((await t.send(chain.connected(b, TIMES[i]!))).status).toBe(200);
  const cb = b.txs[0]!;
  const data = {
    site_id: 'dam-1',
    pool: 'own',
    txid: cb.getId(),
    vout: 0,
    address: t.addresses[i + 1]!.address,
    amount_sat: '100000000',
    coinbase: true,
    block_height: b.height,
    block_hash: b.hash,
    raw_tx_hex: cb.toHex(),
  };
  const sent = await t.send(payoutReceived(data, TIMES[i]!));
  expect(sent.status, sent.text).toBe(200);
  return `${cb.getId()}:0`;
}

async function entry(kind: string, outpoint: string) {
  const res = await t.request('GET', `/v1/ledger/entries?kind=${kind}&source_type=utxo&source_id=${outpoint}`, {
    key: t.keys.auditor,
  });
  expect(res.status, res.text).toBe(200);
  return res.json.items[0];
}

beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

describe('fiat value at receipt', () => {
  it('each receipt posting is priced at the mark in force at its time, with the source named', async () => {
    const early = await pay(0); // before any mark
    const prices = [
      { currency: 'USD', price: '61000.5', at: '2026-03-01T12:00:00Z', source: 'desk-a' },
      { currency: 'USD', price: '62000', at: '2026-03-02T09:00:00Z', source: 'desk-b' },
      { currency: 'USD', price: '99999', at: '2026-03-02T11:00:00Z', source: 'desk-c' }, // after the receipt
    ];
    expect((await t.request('POST', '/v1/prices', { body: { prices } })).status).toBe(200);
    const priced = await pay(1);
    const none = await entry('payout.receipt', early);
    expect(none.postings.map((p: any) => p.price)).toEqual([null, null]);
    expect(none.description).toMatch(/no USD mark at its time/);
    const receipt = await entry('payout.receipt', priced);
    expect(receipt.postings.map((p: any) => p.price)).toEqual([
      { amount: '62000', commodity: 'USD' },
      { amount: '62000', commodity: 'USD' },
    ]);
    expect(receipt.description).toContain('62000 USD/BTC (desk-b, 2026-03-02T09:00:00.000Z)');
  });
});
