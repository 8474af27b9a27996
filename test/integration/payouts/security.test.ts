import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coinbaseTx } from '../../support/regtest.js';
import { newWebhookId, payoutReceived, ROTATED_SECRET, signEvent, TEST_SECRET } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

// Every forged, stale or tampered delivery is a 401 problem and writes nothing.

let t: FleetApp;
let event: ReturnType<typeof payoutReceived>;
beforeAll(async () => {
  // Two secrets configured: the current one and the one being rotated in.
  t = await createFleetApp([TEST_SECRET, ROTATED_SECRET]);
  const addr = t.addresses[0]!;
  const cb = coinbaseTx(1, [{ script: addr.script, valueSat: 100_000n }], 'security');
  event = payoutReceived({
    site_id: 'dam-1',
    txid: cb.getId(),
    vout: 0,
    address: addr.address,
    amount_sat: '100000',
    coinbase: true,
    raw_tx_hex: cb.toHex(),
  });
});
afterAll(async () => t?.close());

async function expectRefused(headers: Record<string, string>, body: string, detail: RegExp) {
  const before = await t.footprint();
  const r = await t.request('POST', '/v1/webhooks/fleet', { key: null, raw: body, headers });
  expect(r.status, r.text).toBe(401);
  expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(r.json.code).toBe('unauthorized');
  expect(r.json.detail).toMatch(detail);
  // Every refusal is counted, and the tenth within 300 s raises one webhook.signature_failures
  // alert (by design: test/integration/alerts); nothing else is written.
  const { alerts: alertsBefore, ...rest } = before;
  const { alerts: alertsAfter, ...restAfter } = await t.footprint();
  expect(restAfter).toEqual(rest);
  expect(alertsAfter! - alertsBefore!).toBeLessThanOrEqual(1);
}

describe('fleet webhook signatures', () => {
  it('refuses missing headers', async () => {
    const s = signEvent(event);
    for (const missing of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers = { ...s.headers };
      delete headers[missing];
      await expectRefused(headers, s.body, /headers are required/);
    }
  });

  it('refuses malformed signatures and timestamps', async () => {
    const s = signEvent(event);
    await expectRefused({ ...s.headers, 'webhook-signature': 'not-a-signature' }, s.body, /no signature matches/);
    await expectRefused(
      { ...s.headers, 'webhook-signature': 'v2,' + s.headers['webhook-signature']!.slice(3) },
      s.body,
      /no signature matches/,
    );
    await expectRefused({ ...s.headers, 'webhook-timestamp': `${s.timestamp}abc` }, s.body, /unix seconds/);
    await expectRefused({ ...s.headers, 'webhook-id': 'has space' }, s.body, /printable ASCII/);
  });

  it('refuses a wrong secret', async () => {
    const other = `whsec_${Buffer.from('someone-else-entirely-0000000000').toString('base64')}`;
    const s = signEvent(event, { secret: other });
    await expectRefused(s.headers, s.body, /no signature matches/);
  });

  it('refuses a stale and a future timestamp (more than 300 s off)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = signEvent(event, { timestamp: now - 301 }); // later than now on the server: only older
    await expectRefused(stale.headers, stale.body, /at most 300 s/);
    const future = signEvent(event, { timestamp: now + 310 }); // margin for the seconds the test takes
    await expectRefused(future.headers, future.body, /at most 300 s/);
  });

  it('refuses a signature made for another webhook-id', async () => {
    const s = signEvent(event);
    await expectRefused({ ...s.headers, 'webhook-id': newWebhookId() }, s.body, /no signature matches/);
  });

  it('refuses a body changed after signing by one byte', async () => {
    const s = signEvent(event);
    const bytes = Buffer.from(s.body);
    const i = bytes.indexOf('100000');
    bytes[i] = '2'.charCodeAt(0); // "200000": a bigger payout than was signed
    await expectRefused(s.headers, bytes.toString(), /no signature matches/);
    await expectRefused(s.headers, s.body + ' ', /no signature matches/);
  });

  it('refuses everything when no secret is configured', async () => {
    const bare = await createFleetApp([]);
    try {
      const s = signEvent(event);
      const r = await bare.request('POST', '/v1/webhooks/fleet', { key: null, raw: s.body, headers: s.headers });
      expect(r.status).toBe(401);
      expect(r.json.detail).toMatch(/not configured/);
    } finally {
      await bare.close();
    }
  });

  it('accepts a delivery signed by the rotated secret, and several signatures in one header', async () => {
    const rotated = signEvent(payoutReceived({ ...event.data, vout: 0 }), { secret: ROTATED_SECRET });
    const r = await t.request('POST', '/v1/webhooks/fleet', { key: null, raw: rotated.body, headers: rotated.headers });
    expect(r.status, r.text).toBe(200);
    const id = newWebhookId();
    const body = JSON.stringify(payoutReceived({ ...event.data }));
    const ts = Math.floor(Date.now() / 1000);
    const wrong = new Webhook(`whsec_${Buffer.from('an-old-retired-secret-0000000000').toString('base64')}`).sign(
      id,
      new Date(ts * 1000),
      body,
    );
    const right = new Webhook(TEST_SECRET).sign(id, new Date(ts * 1000), body);
    const both = await t.request('POST', '/v1/webhooks/fleet', {
      key: null,
      raw: body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': `${wrong} ${right}`,
      },
    });
    expect(both.status, both.text).toBe(200);
  });

  it("accepts a sender using the library's own signer (an independent Standard Webhooks implementation)", async () => {
    const wh = new Webhook(TEST_SECRET);
    const id = 'msg_independent_sender_1';
    const ts = new Date();
    const cb = coinbaseTx(2, [{ script: t.addresses[2]!.script, valueSat: 5_000n }], 'independent');
    const body = JSON.stringify({
      type: 'payout.received',
      timestamp: ts.toISOString(),
      data: {
        site_id: 'dam-1',
        txid: cb.getId(),
        vout: 0,
        address: t.addresses[2]!.address,
        amount_btc: '0.00005',
        coinbase: true,
      },
    });
    const r = await t.request('POST', '/v1/webhooks/fleet', {
      key: null,
      raw: body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
        'webhook-signature': wh.sign(id, ts, body),
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.utxo.amount_sat).toBe('5000');
  });

  it('refuses a body over 256 KiB with 413 before verifying, writing nothing', async () => {
    const before = await t.footprint();
    const s = signEvent(event, { body: JSON.stringify({ ...event, padding: 'x'.repeat(256 * 1024) }) });
    const r = await t.request('POST', '/v1/webhooks/fleet', { key: null, raw: s.body, headers: s.headers });
    expect(r.status).toBe(413);
    expect(await t.footprint()).toEqual(before);
  });

  it('does not take a bearer key instead of a signature', async () => {
    const s = signEvent(event);
    const headers = { ...s.headers, authorization: `Bearer ${t.keys.admin}` };
    delete (headers as Record<string, string>)['webhook-signature'];
    await expectRefused(headers, s.body, /headers are required/);
  });
  it('the run of refusals above raised one signature-failure alert, not one per refusal', async () => {
    const r = await t.request('GET', '/v1/alerts?kind=webhook.signature_failures');
    expect(r.status, r.text).toBe(200);
    expect(r.json.items).toHaveLength(1);
    expect(r.json.items[0].kind).toBe('webhook.signature_failures');
  });
});
