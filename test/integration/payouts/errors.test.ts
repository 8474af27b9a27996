import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../../support/chain.js';
import { coinbaseTx, paymentTx } from '../../support/regtest.js';
import { eventTime, newWebhookId, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

// Bad input is a precise 4xx naming the field, and writes nothing; retries are idempotent.

let t: FleetApp;
let good: Record<string, unknown>;
let cbHex: string;
beforeAll(async () => {
  t = await createFleetApp();
  const addr = t.addresses[0]!;
  const cb = coinbaseTx(7, [{ script: addr.script, valueSat: 312_500_000n }], 'errors');
  cbHex = cb.toHex();
  good = {
    site_id: 'dam-1',
    pool: 'own',
    txid: cb.getId(),
    vout: 0,
    address: addr.address,
    amount_btc: '3.125',
    coinbase: true,
  };
});
afterAll(async () => t?.close());

async function expectProblem(event: unknown, status: number, field: string | null, reason: RegExp) {
  const before = await t.footprint();
  const r = await t.send(event);
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
  if (field) expect(r.json.errors?.map((e: any) => e.field)).toContain(field);
  expect(r.json.detail).toMatch(reason);
  expect(await t.footprint()).toEqual(before);
  return r;
}

describe('payout.received bad input', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['9 decimals', { amount_btc: '3.125000001' }, 'data.amount_btc', /8 decimals/],
    ['zero', { amount_btc: '0' }, 'data.amount_btc', /more than zero/],
    ['zero sat', { amount_btc: undefined, amount_sat: '0' }, 'data.amount_sat', /more than zero/],
    ['negative', { amount_btc: '-1' }, 'data.amount_btc', /negative/],
    ['negative sat', { amount_btc: undefined, amount_sat: '-5' }, 'data.amount_sat', /negative/],
    ['over 21,000,000 BTC', { amount_btc: '21000000.00000001' }, 'data.amount_btc', /21,000,000/],
    ['a number, not a string', { amount_btc: 3.125 }, 'data.amount_btc', /string/],
    ['both amounts', { amount_sat: '312500000' }, 'data.amount_btc', /exactly one/],
    ['no amount', { amount_btc: undefined }, 'data.amount_btc', /exactly one/],
    ['txid not 64 hex', { txid: 'ab'.repeat(31) }, 'data.txid', /64 hexadecimal/],
    ['txid with a non-hex char', { txid: 'g' + 'a'.repeat(63) }, 'data.txid', /64 hexadecimal/],
    ['vout negative', { vout: -1 }, 'data.vout', /negative/],
    ['vout over 2^32-1', { vout: 4_294_967_296 }, 'data.vout', /at most 4294967295/],
    ['vout not an integer', { vout: 1.5 }, 'data.vout', /integer/],
    ['missing site_id', { site_id: undefined }, 'data.site_id', /./],
    ['missing coinbase', { coinbase: undefined }, 'data.coinbase', /./],
    ['block height without hash', { block_height: 7 }, 'data.block_hash', /go together/],
    ['unknown field', { amount: '1' }, 'data.amount', /amount/],
    [
      'mainnet address (wrong network)',
      { address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
      'data.address',
      /networks/,
    ],
    ['not an address', { address: 'hello' }, 'data.address', /not a valid address/],
    ['a period start without its end', { period_start: '2025-12-01T00:00:00Z' }, 'data.period_end', /go together/],
    [
      'a period ending before it starts',
      { period_start: '2025-12-02T00:00:00Z', period_end: '2025-12-01T00:00:00Z' },
      'data.period_end',
      /after period_start/,
    ],
    [
      'a period of more than 31 days',
      { period_start: '2025-10-01T00:00:00Z', period_end: '2025-11-01T00:00:01Z' },
      'data.period_end',
      /31 days/,
    ],
    [
      'a period ending after the event',
      { period_start: '2026-12-01T00:00:00Z', period_end: '2026-12-02T00:00:00Z' },
      'data.period_end',
      /timestamp/,
    ],
    [
      'a period start that is not a time',
      { period_start: '2025-12-01', period_end: '2025-12-02T00:00:00Z' },
      'data.period_start',
      /RFC 3339/,
    ],
  ];
  for (const [name, patch, field, reason] of cases) {
    it(`refuses ${name}`, async () => {
      const data = JSON.parse(JSON.stringify({ ...good, ...patch }));
      await expectProblem(payoutReceived(data), 422, field, reason);
    });
  }

  it('refuses a payout for a site that is not registered (issue 13, finding 4): 422 naming site_id, nothing booked', async () => {
    const unknownSite = {
      ...good,
      txid: coinbaseTx(8, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'site').getId(),
      site_id: 'no-such-site',
    };
    const r = await expectProblem(payoutReceived(unknownSite), 422, 'data.site_id', /POST \/v1\/sites/);
    expect(r.json.detail).toMatch(/no-such-site/);
    const accounts = await t.request('GET', '/v1/ledger/accounts', { key: t.keys.auditor });
    expect(JSON.stringify(accounts.json)).not.toContain('Income:Mining:no-such-site');
    // Registered, the same payout is booked to the site's income.
    await t.sites(['no-such-site']);
    const booked = await t.send(payoutReceived(unknownSite));
    expect(booked.status, booked.text).toBe(200);
    expect(booked.json.utxo.site_id).toBe('no-such-site');
  });

  it('refuses an address of a policy on another network? no: a testnet policy address is accepted as its own policy', async () => {
    // testnet-drill is a policy of this deployment; its address resolves to it, not to regtest-cold.
    const cb = coinbaseTx(9, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'tn');
    const r = await t.send(
      payoutReceived({
        ...good,
        txid: cb.getId(),
        address: t.testnetAddress,
        amount_sat: '1000',
        amount_btc: undefined,
      }),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json.utxo.policy_id).toBe('testnet-drill');
    expect(r.json.utxo.network).toBe('testnet');
  });

  it('refuses raw transactions that do not prove the payout', async () => {
    const addr = t.addresses[0]!;
    const otherScript = t.addresses[1]!.script;
    const ordinary = paymentTx([{ script: addr.script, valueSat: 312_500_000n }], 3);
    const wrongScript = coinbaseTx(7, [{ script: otherScript, valueSat: 312_500_000n }], 'errors');
    const wrongValue = coinbaseTx(7, [{ script: addr.script, valueSat: 312_500_001n }], 'errors');
    await expectProblem(
      payoutReceived({ ...good, raw_tx_hex: ordinary.toHex() }),
      422,
      'data.raw_tx_hex',
      /decodes to txid/,
    );
    await expectProblem(
      payoutReceived({ ...good, txid: ordinary.getId(), raw_tx_hex: ordinary.toHex() }),
      422,
      'data.raw_tx_hex',
      /not a coinbase/,
    );
    await expectProblem(
      payoutReceived({ ...good, txid: wrongScript.getId(), raw_tx_hex: wrongScript.toHex() }),
      422,
      'data.raw_tx_hex',
      /another script/,
    );
    await expectProblem(
      payoutReceived({ ...good, txid: wrongValue.getId(), raw_tx_hex: wrongValue.toHex() }),
      422,
      'data.raw_tx_hex',
      /carries 312500001 sat/,
    );
    await expectProblem(
      payoutReceived({ ...good, vout: 1, raw_tx_hex: cbHex }),
      422,
      'data.raw_tx_hex',
      /vout 1 does not exist/,
    );
    await expectProblem(payoutReceived({ ...good, raw_tx_hex: 'deadbeef' }), 422, 'data.raw_tx_hex', /decode/);
    await expectProblem(
      payoutReceived({ ...good, raw_tx_hex: cbHex + '00' }),
      422,
      'data.raw_tx_hex',
      /decode|trailing/,
    );
  });

  it('refuses a foreign address with 422, raises an alert, and answers a retry the same without a second alert', async () => {
    // A valid regtest address that no policy derives: a P2WSH of an arbitrary script.
    const { payments, networks } = await import('bitcoinjs-lib');
    const foreign = payments.p2wsh({ redeem: { output: Buffer.from([0x51, 0x51, 0x87]) }, network: networks.regtest })
      .address!;
    const event = payoutReceived({ ...good, address: foreign });
    const id = newWebhookId();
    const r = await t.send(event, { id });
    expect(r.status).toBe(422);
    expect(r.json.errors).toEqual([{ field: 'data.address', reason: expect.stringMatching(/foreign/) }]);
    const alerts = await t.request('GET', '/v1/alerts', { key: t.keys.auditor });
    expect(alerts.status).toBe(200);
    const mine = alerts.json.items.filter((a: any) => a.details.address === foreign);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'payout.foreign_address', severity: 'critical', source: `webhook:${id}` });
    const again = await t.send(event, { id });
    expect(again.status).toBe(422);
    expect(again.json).toEqual(r.json);
    const after = await t.request('GET', '/v1/alerts', { key: t.keys.auditor });
    expect(after.json.items.filter((a: any) => a.details.address === foreign)).toHaveLength(1);
    expect(
      (await t.request('GET', '/v1/utxos', { key: t.keys.auditor })).json.items.find((u: any) => u.address === foreign),
    ).toBeUndefined();
  });
});

describe('envelope errors', () => {
  it('refuses an unknown event type, a missing timestamp, a bad body', async () => {
    await expectProblem({ type: 'payout.stolen', timestamp: eventTime(), data: {} }, 422, 'type', /unknown event type/);
    await expectProblem({ type: 'payout.received', data: good }, 422, 'timestamp', /RFC 3339/);
    await expectProblem({ type: 'payout.received', timestamp: eventTime() }, 422, 'data', /object/);
    await expectProblem([1, 2], 422, 'body', /JSON object/);
    const before = await t.footprint();
    const r = await t.send(null, { body: '{"type": "payout.received",' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('malformed_json');
    expect(await t.footprint()).toEqual(before);
  });

  it('refuses bad block events', async () => {
    // A real header, so that only the field under test is wrong.
    const b = RegtestChain.fromGenesis().mine();
    const bad = (data: Record<string, unknown>) => {
      const e = RegtestChain.fromGenesis().connected(b);
      return { ...e, data: { ...e.data, ...data } };
    };
    await expectProblem(bad({ height: -1 }), 422, 'data.height', /negative/);
    await expectProblem(bad({ hash: 'zz'.repeat(32) }), 422, 'data.hash', /64 hexadecimal/);
    // header_hex is required on every network, regtest included (issue 12).
    await expectProblem(bad({ header_hex: undefined }), 422, 'data.header_hex', /required/);
    await expectProblem(bad({ header_hex: 'ab'.repeat(79) }), 422, 'data.header_hex', /80-byte/);
    await expectProblem(
      { type: 'block.disconnected', timestamp: eventTime(), data: { height: 1 } },
      422,
      'data.hash',
      /./,
    );
  });
});

describe('idempotency and conflicts', () => {
  it('the same id and body returns the original answer and changes nothing; another body is 409', async () => {
    const cb = coinbaseTx(11, [{ script: t.addresses[3]!.script, valueSat: 50_000n }], 'idem');
    const event = payoutReceived({
      ...good,
      txid: cb.getId(),
      address: t.addresses[3]!.address,
      amount_btc: undefined,
      amount_sat: '50000',
    });
    const first = await t.send(event);
    expect(first.status, first.text).toBe(200);
    const before = await t.footprint();
    const again = await t.send(event, { id: first.id });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('webhook-replayed')).toBe('true');
    const { audit_log: _a, ...domainBefore } = before;
    const { audit_log: _b, ...domainAfter } = await t.footprint();
    expect(domainAfter).toEqual(domainBefore);

    const changed = await t.send(payoutReceived({ ...event.data, amount_sat: '50001' }), { id: first.id });
    expect(changed.status).toBe(409);
    expect(changed.json.detail).toMatch(/another body/);
  });

  it('a second payout for the same outpoint with other facts is 409, not an overwrite; the same facts are accepted', async () => {
    const cb = coinbaseTx(12, [{ script: t.addresses[4]!.script, valueSat: 70_000n }], 'dup');
    const data = {
      ...good,
      txid: cb.getId(),
      address: t.addresses[4]!.address,
      amount_btc: undefined,
      amount_sat: '70000',
    };
    expect((await t.send(payoutReceived(data))).status).toBe(200);
    await expectProblem(payoutReceived({ ...data, amount_sat: '70001' }), 409, null, /amount/);
    await expectProblem(payoutReceived({ ...data, site_id: 'other-site' }), 409, null, /site_id/);
    await expectProblem(payoutReceived({ ...data, coinbase: false }), 409, null, /coinbase/);
    const same = await t.send(payoutReceived(data)); // another webhook-id, same facts: a retry by another name
    expect(same.status).toBe(200);
    const coin = (await t.request('GET', `/v1/utxos/${cb.getId()}/0`)).json;
    expect(coin.amount_sat).toBe('70000');
    expect(coin.history).toHaveLength(1);
  });

  it('the period a payout pays for is a fact: another period, or one added later, is 409; a retry without it is accepted', async () => {
    const cb = coinbaseTx(13, [{ script: t.addresses[4]!.script, valueSat: 80_000n }], 'period');
    const period = { period_start: '2025-12-01T00:00:00Z', period_end: '2025-12-02T00:00:00Z' };
    const data = {
      ...good,
      txid: cb.getId(),
      address: t.addresses[4]!.address,
      amount_btc: undefined,
      amount_sat: '80000',
      ...period,
    };
    const first = await t.send(payoutReceived(data));
    expect(first.status, first.text).toBe(200);
    expect(first.json.utxo).toMatchObject({
      period_start: '2025-12-01T00:00:00.000Z',
      period_end: '2025-12-02T00:00:00.000Z',
    });
    await expectProblem(payoutReceived({ ...data, period_end: '2025-12-03T00:00:00Z' }), 409, null, /period/);
    expect((await t.send(payoutReceived({ ...data, period_start: undefined, period_end: undefined }))).status).toBe(
      200,
    );
    // Without a period: no period fields on the coin, and naming one afterwards is a conflict.
    const plain = coinbaseTx(14, [{ script: t.addresses[4]!.script, valueSat: 90_000n }], 'period');
    const plainData = {
      ...good,
      txid: plain.getId(),
      address: t.addresses[4]!.address,
      amount_btc: undefined,
      amount_sat: '90000',
    };
    const second = await t.send(payoutReceived(plainData));
    expect(second.json.utxo.period_start).toBeUndefined();
    await expectProblem(payoutReceived({ ...plainData, ...period }), 409, null, /period/);
    // The database refuses to rewrite it too (the receipt was booked by it).
    const { sql } = await import('drizzle-orm');
    await expect(
      t.database.db.execute(
        sql`update utxos set period_end = period_end - interval '1 hour' where txid = ${cb.getId()}`,
      ),
    ).rejects.toThrow();
    await expect(
      t.database.db.execute(
        sql`update utxos set period_start = now() - interval '1 day', period_end = now() where txid = ${plain.getId()}`,
      ),
    ).rejects.toThrow();
  });

  it('a block event contradicting a known height is 409', async () => {
    const chain = RegtestChain.fromGenesis();
    const b = chain.mine({ tag: 'conflict' });
    await t.connect([b]);
    const event = chain.connected(b);
    await expectProblem({ ...event, data: { ...event.data, height: b.height + 1 } }, 409, null, /height 1/);
  });
});

describe('reads', () => {
  it('describes every route in the OpenAPI document', async () => {
    const doc = await t.request('GET', '/openapi.json', { key: null });
    for (const path of [
      '/v1/webhooks/fleet',
      '/v1/utxos',
      '/v1/utxos/{txid}/{vout}',
      '/v1/chain/tip',
      '/v1/reports/holdings',
      '/v1/alerts',
    ]) {
      expect(Object.keys(doc.json.paths), path).toContain(path);
    }
  });

  it('lists UTXOs with filters and cursors, and refuses a bad filter', async () => {
    const all = await t.request('GET', '/v1/utxos?limit=1', { key: t.keys.auditor });
    expect(all.status).toBe(200);
    expect(all.json.items).toHaveLength(1);
    expect(all.json.next_cursor).toBeTruthy();
    const next = await t.request('GET', `/v1/utxos?limit=1&cursor=${all.json.next_cursor}`, { key: t.keys.auditor });
    expect(next.json.items[0].outpoint).not.toBe(all.json.items[0].outpoint);
    const bySite = await t.request('GET', '/v1/utxos?site_id=dam-1&status=unconfirmed&policy_id=regtest-cold', {
      key: t.keys.auditor,
    });
    expect(bySite.json.items.length).toBeGreaterThan(0);
    expect(
      bySite.json.items.every(
        (u: any) => u.site_id === 'dam-1' && u.status === 'unconfirmed' && u.policy_id === 'regtest-cold',
      ),
    ).toBe(true);
    // Every coin state filters, the spend side's included (none of these coins is spent or locked).
    for (const held of ['spent', 'locked', 'withdrawn']) {
      const none = await t.request('GET', `/v1/utxos?status=${held}`, { key: t.keys.auditor });
      expect(none.status, held).toBe(200);
      expect(none.json.items, held).toEqual([]);
    }
    const bad = await t.request('GET', '/v1/utxos?status=gone', { key: t.keys.auditor });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe('query.status');
    expect(bad.json.errors[0].reason).toContain('withdrawn');
    expect((await t.request('GET', `/v1/utxos/${'ab'.repeat(32)}/0`, { key: t.keys.auditor })).status).toBe(404);
    expect((await t.request('GET', `/v1/utxos/${'ab'.repeat(32)}/4294967296`, { key: t.keys.auditor })).status).toBe(
      422,
    );
    expect((await t.request('GET', '/v1/utxos', { key: null })).status).toBe(401);
  });
});
