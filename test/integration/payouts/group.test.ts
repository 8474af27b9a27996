import { networks, payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../../src/ledger/service.js';
import { coinbaseTx } from '../../support/regtest.js';
import { newWebhookId, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

// Concurrent deliveries are written in groups (one transaction, a savepoint each): every request
// still gets its own answer, and a refused one leaves no trace while its neighbours commit.

let t: FleetApp;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

describe('group commit of concurrent payouts', () => {
  it('answers each delivery on its own: accepted, replayed, conflicting, invalid and foreign side by side', async () => {
    const addr = t.addresses[5]!;
    const coins = Array.from({ length: 12 }, (_, i) =>
      coinbaseTx(500 + i, [{ script: addr.script, valueSat: BigInt(10_000 + i) }], `group-${i}`),
    );
    const data = (i: number) => ({
      site_id: 'group-site',
      txid: coins[i]!.getId(),
      vout: 0,
      address: addr.address,
      amount_sat: String(10_000 + i),
      coinbase: true,
      raw_tx_hex: coins[i]!.toHex(),
    });
    const valid = coins.slice(0, 10).map((_, i) => ({ id: newWebhookId(), event: payoutReceived(data(i)) }));
    const foreign = payments.p2wsh({ redeem: { output: Buffer.from([0x55, 0x87]) }, network: networks.regtest })
      .address!;
    const sameIdOtherBody = {
      id: valid[1]!.id,
      event: payoutReceived({ ...data(1), amount_sat: '1', raw_tx_hex: undefined }),
    };
    const otherFacts = [
      { id: newWebhookId(), event: payoutReceived({ ...data(10), raw_tx_hex: undefined }) },
      { id: newWebhookId(), event: payoutReceived({ ...data(10), site_id: 'someone-else', raw_tx_hex: undefined }) },
    ];
    const invalid = { id: newWebhookId(), event: payoutReceived({ ...data(11), amount_sat: '999' }) }; // the raw tx says 10011
    const foreignPayout = {
      id: newWebhookId(),
      event: payoutReceived({ ...data(11), address: foreign, raw_tx_hex: undefined }),
    };
    const all = [...valid, ...valid.slice(0, 5), sameIdOtherBody, ...otherFacts, invalid, foreignPayout];
    const answers = await Promise.all(all.map((d) => t.send(d.event, { id: d.id })));
    const statusOf = (d: { id: string }, nth = 0) => answers.filter((_, i) => all[i] === d)[nth]!.status;

    for (const d of valid) expect(statusOf(d)).toBe(200);
    for (const d of valid.slice(0, 5)) expect(statusOf(d, 1)).toBe(200);
    expect(statusOf(sameIdOtherBody)).toBe(409);
    expect(otherFacts.map((d) => statusOf(d)).sort()).toEqual([200, 409]);
    expect(statusOf(invalid)).toBe(422);
    expect(statusOf(foreignPayout)).toBe(422);

    // Whichever of the two contradicting reports of coin 10 came first stands (either site).
    const listed = await t.request('GET', '/v1/utxos?site_id=group-site&limit=100');
    const other = await t.request('GET', '/v1/utxos?site_id=someone-else&limit=100');
    expect(listed.json.items.length + other.json.items.length).toBe(11);
    expect([...listed.json.items, ...other.json.items].filter((u: any) => u.txid === coins[10]!.getId())).toHaveLength(
      1,
    );
    expect(listed.json.items.find((u: any) => u.txid === coins[1]!.getId()).amount_sat).toBe('10001');
    expect(listed.json.items.find((u: any) => u.txid === coins[11]!.getId())).toBeUndefined();
    const alerts = await t.request('GET', '/v1/alerts');
    expect(alerts.json.items.filter((a: any) => a.details.address === foreign)).toHaveLength(1);
    expect((await t.request('GET', '/v1/reports/holdings')).json.check.ledger_equals_utxo_set).toBe(true);
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
  });
});
