// Holdings valued, the roll-forward and the proof of reserves over a hand-worked month:
// a pool payout, a solo coinbase orphaned by a reorg, price marks, an energy bill in BYN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_PARAMS } from '../../../src/chain/index.js';
import { type ChainBlock, RegtestChain } from '../../support/chain.js';
import { paymentTx } from '../../support/regtest.js';
import { blockDisconnected, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';
import { expectOk } from '../production/helpers.js';

let t: FleetApp;
let payoutTxid = '';
const chain = RegtestChain.fromGenesis();
/** The branch that replaced the solo block: the tip after beforeAll. */
let heavier: ChainBlock[] = [];
beforeAll(async () => {
  t = await createFleetApp();
  for (const [id, pool] of [
    ['dam', { kind: 'pool', scheme: 'fpps', fee_rate: '0.02' }],
    ['solo', { kind: 'solo' }],
  ] as const) {
    await expectOk(
      t.request('POST', '/v1/sites', {
        body: { id, name: id, region: 'Gomel', energy_source: 'hydro', pool, energy_supplier: 'gomelenergo' },
      }),
      201,
    );
    await expectOk(
      t.request('POST', `/v1/sites/${id}/tariffs`, {
        body: { effective_from: '2026-01-01T00:00:00Z', price_per_kwh: '0.10', currency: 'BYN' },
      }),
      201,
    );
  }
  await expectOk(
    t.request('POST', '/v1/rates', {
      body: { rates: [{ base: 'BYN', quote: 'USD', rate: '0.30', at: '2026-02-28T00:00:00Z', source: 'nbrb' }] },
    }),
  );
  await expectOk(
    t.request('POST', '/v1/prices', {
      body: {
        prices: [
          { currency: 'USD', price: '50000', at: '2026-03-01T00:00:00Z', source: 'desk' },
          { currency: 'USD', price: '60000', at: '2026-03-15T00:00:00Z', source: 'desk' },
          { currency: 'USD', price: '80000', at: '2026-04-01T00:00:00Z', source: 'desk' },
        ],
      },
    }),
  );
  // 2,400 kWh at 0.10 BYN = 240 BYN = 72 USD
  await expectOk(
    t.request('POST', '/v1/production', {
      body: {
        reports: [
          {
            site: 'dam',
            period_start: '2026-03-01T00:00:00Z',
            period_end: '2026-03-02T00:00:00Z',
            hashrate_ths: '100',
            energy_kwh: '2400',
            uptime: '1',
          },
        ],
      },
    }),
  );

  const addr = t.addresses[0]!;
  const pay = paymentTx([{ script: addr.script, valueSat: 1_000_000n }], 42);
  payoutTxid = pay.getId();
  const r = await t.send(
    payoutReceived(
      {
        site_id: 'dam',
        pool: 'fpps',
        txid: payoutTxid,
        vout: 0,
        address: addr.address,
        amount_sat: '1000000',
        coinbase: false,
        raw_tx_hex: pay.toHex(),
      },
      '2026-03-02T01:00:00Z',
    ),
  );
  if (r.status !== 200) throw new Error(r.text);
  // A solo block found on 2026-03-20 and lost to a reorg on 2026-03-21.
  const solo = t.addresses[1]!;
  const blocks = [
    chain.mine({ time: '2026-03-20T00:00:00Z', payTo: [{ script: solo.script, valueSat: 312_500_000n }] }),
  ];
  const coinbases = [blocks[0]!.txs[0]!];
  // Found on 2026-03-20: the receipt of a coin in a connected block is booked at the block's (header) time.
  const found = await t.send(chain.connected(blocks[0]!, '2026-03-20T00:00:00Z'));
  if (found.status !== 200) throw new Error(found.text);
  const cb = await t.send(
    payoutReceived(
      {
        site_id: 'solo',
        pool: 'own',
        txid: coinbases[0]!.getId(),
        vout: 0,
        address: solo.address,
        amount_sat: '312500000',
        coinbase: true,
        block_height: 1,
        block_hash: blocks[0]!.hash,
        raw_tx_hex: coinbases[0]!.toHex(),
      },
      '2026-03-20T00:00:00Z',
    ),
  );
  if (cb.status !== 200) throw new Error(cb.text);
  // Lost on 2026-03-21: a heavier branch from genesis replaces it (the disconnect event is advisory).
  const gone = await t.send(blockDisconnected(1, blocks[0]!.hash, '2026-03-21T00:00:00Z'));
  if (gone.status !== 200) throw new Error(gone.text);
  heavier = chain
    .fork(CHAIN_PARAMS.regtest.genesisHash)
    .mineMany(2, (h) => ({ time: Date.parse('2026-03-21T00:00:00Z') / 1000 + h * 60 }));
  for (const b of heavier) {
    const r = await t.send(chain.connected(b, '2026-03-21T00:00:00Z'));
    if (r.status !== 200) throw new Error(r.text);
  }
});
afterAll(async () => t?.close());

describe('holdings, valued', () => {
  it('hand-worked: 0.01 BTC at the 60,000 mark = 600.00; at receipt 500.00; energy 72.00; gain 100.00', async () => {
    const v = await expectOk(
      t.request('GET', '/v1/reports/holdings?as_of=2026-03-31T23:59:59Z&currency=USD', { key: t.keys.auditor }),
    );
    expect(v.price_mark).toEqual({ currency: 'USD', price: '60000', at: '2026-03-15T00:00:00.000Z', source: 'desk' });
    expect(v.holdings).toEqual([
      expect.objectContaining({
        policy_id: 'regtest-cold',
        status: 'unconfirmed',
        amount_sat: '1000000',
        fair_value: '600.00',
        value_at_receipt: '500.00',
        production_cost: '72.00',
        unrealized_gain: '100.00',
      }),
    ]);
    expect(v.totals).toMatchObject({ amount_btc: '0.01000000', fair_value: '600.00', unrealized_gain: '100.00' });
    expect(v.total_sat).toBe('1000000');
    // The books of a past time are not compared with the coins (dated differently): said so, not faked.
    expect(v.check.ledger_equals_utxo_set).toBeNull();
  });

  it('now: the current holdings beside the UTXO set, valued at the latest mark (80,000)', async () => {
    const v = await expectOk(t.request('GET', '/v1/reports/holdings', { key: t.keys.auditor }));
    expect(v.currency).toBe('USD');
    expect(v.price_mark).toEqual({ currency: 'USD', price: '80000', at: '2026-04-01T00:00:00.000Z', source: 'desk' });
    expect(v.holdings).toEqual([
      expect.objectContaining({
        policy_id: 'regtest-cold',
        status: 'unconfirmed',
        account: 'Assets:Bitcoin:regtest-cold:Unconfirmed',
        utxo_count: 1,
        amount_sat: '1000000',
        utxo_set_sat: '1000000',
        consistent: true,
        fair_value: '800.00',
        value_at_receipt: '500.00',
        production_cost: '72.00',
        unrealized_gain: '300.00',
      }),
    ]);
    expect(v.check).toEqual({ ledger_equals_utxo_set: true, mismatches: [] });
    expect(v.totals).toMatchObject({ amount_sat: '1000000', fair_value: '800.00', unrealized_gain: '300.00' });
    // One route: the former /v1/reports/valuation is gone, and the OpenAPI document says so.
    expect((await t.request('GET', '/v1/reports/valuation')).status).toBe(404);
    const doc = await t.request('GET', '/openapi.json', { key: null });
    expect(Object.keys(doc.json.paths)).toContain('/v1/reports/holdings');
    expect(Object.keys(doc.json.paths)).not.toContain('/v1/reports/valuation');
    expect(doc.json.paths['/v1/reports/holdings'].get.parameters.map((p: any) => p.name).sort()).toEqual([
      'as_of',
      'currency',
      'known_at',
    ]);
  });

  it('as of before any mark: amounts without values, the mark named as missing', async () => {
    const v = await expectOk(t.request('GET', '/v1/reports/holdings?as_of=2026-02-01T00:00:00Z&currency=USD'));
    expect(v.price_mark).toBeNull();
    expect(v.holdings).toEqual([]);
    const later = await expectOk(t.request('GET', '/v1/reports/holdings?as_of=2026-04-02T00:00:00Z&currency=EUR'));
    expect(later.holdings[0].fair_value).toBeNull(); // no EUR mark at all
  });

  it('refuses a bad currency or time naming the field', async () => {
    const bad = await t.request('GET', '/v1/reports/holdings?as_of=yesterday&currency=XBT');
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: any) => e.field).sort()).toEqual(['query.as_of', 'query.currency']);
  });
});

describe('roll-forward', () => {
  // issue 13, finding 2: the period closes at the mark holdings use as of its end (the 80,000 mark
  // at 04-01T00:00), and reversals are positive, subtracted as the formula says.
  it('hand-worked March: 0 + additions 3.135 BTC (dam 500.00, solo 3.125 x 60,000 = 187500.00) - reversal 3.125 (187500.00) + remeasurement 300.00 = 0.01 BTC (800.00 at the 04-01 mark)', async () => {
    const r = await expectOk(
      t.request('GET', '/v1/reports/rollforward?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&currency=USD', {
        key: t.keys.auditor,
      }),
    );
    expect(r.opening).toEqual({ amount_sat: '0', amount_btc: '0.00000000', value: '0.00' });
    expect(r.additions.by_site).toEqual([
      { site: 'dam', amount_sat: '1000000', amount_btc: '0.01000000', value: '500.00' },
      { site: 'solo', amount_sat: '312500000', amount_btc: '3.12500000', value: '187500.00' },
    ]);
    expect(r.reversals).toEqual({ amount_sat: '312500000', amount_btc: '3.12500000', value: '187500.00' });
    expect(r.dispositions.amount_sat).toBe('0');
    expect(r.remeasurement_gain_loss.value).toBe('300.00');
    expect(r.closing).toEqual({ amount_sat: '1000000', amount_btc: '0.01000000', value: '800.00' });
    expect(r.closing_mark).toMatchObject({ price: '80000', at: '2026-04-01T00:00:00.000Z' });
    expect(r.check.balanced).toBe(true);
    // The documented formula, applied to the answer, gives the closing balance.
    expect(r.formula).toBe(
      'opening + additions - reversals - dispositions + other_additions + remeasurement_gain_loss = closing',
    );
    const sat = (l: { amount_sat: string }) => BigInt(l.amount_sat);
    expect(sat(r.opening) + sat(r.additions) - sat(r.reversals) - sat(r.dispositions) + sat(r.other_additions)).toBe(
      sat(r.closing),
    );
    const v = (x: string) => Number(x);
    expect(
      v(r.opening.value) +
        v(r.additions.value) -
        v(r.reversals.value) -
        v(r.dispositions.value) +
        v(r.other_additions.value) +
        v(r.remeasurement_gain_loss.value),
    ).toBeCloseTo(v(r.closing.value), 2);
    // ...and the closing value is what holdings say as of the period's end.
    const holdings = await expectOk(t.request('GET', '/v1/reports/holdings?as_of=2026-04-01T00:00:00Z&currency=USD'));
    expect(holdings.totals.fair_value).toBe(r.closing.value);
  });

  it('April opens where March closed, at the same 80,000 mark', async () => {
    const r = await expectOk(
      t.request('GET', '/v1/reports/rollforward?from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z'),
    );
    expect(r.opening).toEqual({ amount_sat: '1000000', amount_btc: '0.01000000', value: '800.00' });
    expect(r.closing.value).toBe('800.00');
    expect(r.remeasurement_gain_loss.value).toBe('0.00');
    expect(
      (await t.request('GET', '/v1/reports/rollforward?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z')).json.errors,
    ).toEqual([{ field: 'query.to', reason: 'must be after from' }]);
  });
});

describe('proof of reserves', () => {
  it('lists descriptors, every address holding coins with its UTXOs, the total, the tip and the ledger head', async () => {
    const p = await expectOk(t.request('GET', '/v1/reports/proof-of-reserves', { key: t.keys.auditor }));
    expect(p.descriptors.map((d: any) => d.policy_id)).toContain('regtest-cold');
    expect(p.descriptors[0].multipath).toMatch(/^wsh\(sortedmulti\(.*#[0-9a-z]{8}$/);
    // issue 13, finding 3: the payout is in no block (its block was disconnected): a node would not
    // find it, so it is listed apart, outside the total.
    expect(p.addresses).toEqual([]);
    expect(p.total).toMatchObject({ utxos: 0, amount_sat: '0', immature_sat: '0', available_sat: '0' });
    expect(p.unconfirmed).toMatchObject({
      utxos: 1,
      amount_sat: '1000000',
      items: [expect.objectContaining({ address: t.addresses[0]!.address, txid: payoutTxid, vout: 0 })],
    });
    expect(p.ledger_head).toMatchObject({ ok: true, head_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The solo block was replaced: the tip is the heavier branch's, which holds no vault coin.
    expect(p.chain_tip).toEqual({ height: 2, hash: heavier[1]!.hash });
    const csv = await t.request('GET', '/v1/reports/proof-of-reserves?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).not.toContain(`utxo,regtest-cold,${t.addresses[0]!.address},${payoutTxid}`);
    expect(csv.text).toMatch(/\nledger_head,.*[0-9a-f]{64}/);
  });
});

describe('proof of reserves as of a past time', () => {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 25));
  it('rewinds the UTXO set by valid time (block time), and by known_at to what the reserve had recorded', async () => {
    const beforeNew = new Date();
    await pause();
    const addr = t.addresses[2]!;
    const top = chain.fork(heavier[1]!);
    const blocks = [
      top.mine({ time: '2026-05-10T00:00:00Z', payTo: [{ script: addr.script, valueSat: 312_500_000n }] }),
    ];
    expect((await t.send(chain.connected(blocks[0]!, '2026-05-10T00:00:00Z'))).status).toBe(200);
    const cb = blocks[0]!.txs[0]!;
    const r = await t.send(
      payoutReceived(
        {
          site_id: 'solo',
          pool: 'own',
          txid: cb.getId(),
          vout: 0,
          address: addr.address,
          amount_sat: '312500000',
          coinbase: true,
          block_height: blocks[0]!.height,
          block_hash: blocks[0]!.hash,
          raw_tx_hex: cb.toHex(),
        },
        '2026-05-10T00:00:00Z',
      ),
    );
    expect(r.status, r.text).toBe(200);
    await pause();
    const whileImmature = new Date();
    await pause();
    // Orphaned on 2026-05-11: a heavier branch replaces its block.
    for (const b of chain
      .fork(heavier[1]!)
      .mineMany(2, (h) => ({ time: Date.parse('2026-05-11T00:00:00Z') / 1000 + h * 60 })))
      expect((await t.send(chain.connected(b, '2026-05-11T00:00:00Z'))).status).toBe(200);

    const proofAt = async (at: Date | null, knownAt?: Date) =>
      expectOk(
        t.request(
          'GET',
          `/v1/reports/proof-of-reserves?${at ? `as_of=${at.toISOString()}&` : ''}${knownAt ? `known_at=${knownAt.toISOString()}` : ''}`,
          { key: t.keys.auditor },
        ),
      );
    const outpoints = (p: any) =>
      p.addresses.flatMap((a: any) => a.utxos.map((u: any) => `${u.txid}:${u.vout}:${u.status}`)).sort();

    // issue 13, finding 1: valid time. The coinbase was recorded today, but its block is of
    // 2026-05-10: as of that day it is held, immature, although it was loaded after the fact.
    const may10 = await proofAt(new Date('2026-05-10T12:00:00Z'));
    expect(outpoints(may10)).toEqual([`${cb.getId()}:0:immature`]);
    expect(may10.total).toMatchObject({
      utxos: 1,
      amount_sat: '312500000',
      immature_sat: '312500000',
      available_sat: '0',
    });
    expect(may10.unconfirmed).toMatchObject({ utxos: 1, amount_sat: '1000000' }); // apart, outside the total
    // ...orphaned on 05-11, so gone from then on.
    expect(outpoints(await proofAt(new Date('2026-05-12T00:00:00Z')))).toEqual([]);

    // known_at, the other axis: what the reserve had recorded by then.
    const unknownYet = await proofAt(new Date('2026-05-10T12:00:00Z'), beforeNew);
    expect(unknownYet.known_at).toBe(beforeNew.toISOString());
    expect(outpoints(unknownYet)).toEqual([]);
    expect(unknownYet.unconfirmed.items.map((u: any) => u.txid)).toEqual([payoutTxid]);
    // What the reserve reported while the coin was immature, before it learnt of the reorg.
    const asReported = await proofAt(null, whileImmature);
    expect(asReported.as_of).toBe(whileImmature.toISOString());
    expect(outpoints(asReported)).toEqual([`${cb.getId()}:0:immature`]);

    const now = await proofAt(null);
    expect(outpoints(now)).toEqual([]); // the coinbase orphaned since; the payout still unconfirmed
    expect(now.unconfirmed.utxos).toBe(1);

    // Before the reserve recorded anything: nothing held.
    expect((await proofAt(new Date('2020-01-01T00:00:00Z'))).total).toMatchObject({ utxos: 0, amount_sat: '0' });
    const bad = await t.request('GET', '/v1/reports/proof-of-reserves?as_of=2026-13-01');
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: any) => e.field)).toEqual(['query.as_of']);
  });
});
