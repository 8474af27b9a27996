// /metrics after a few deliveries: every business figure equals what the API says of the same
// state (holdings report, chain tip, ledger verify count, alerts listing), and the counters count
// exactly the deliveries sent, by type and outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../../support/chain.js';
import { paymentTx } from '../../support/regtest.js';
import { payoutReceived, ROTATED_SECRET } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

let t: FleetApp;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

/** name{labels} -> value, from the Prometheus text format. */
async function scrape(): Promise<Map<string, number>> {
  const r = await t.request('GET', '/metrics', { key: null });
  expect(r.status).toBe(200);
  const out = new Map<string, number>();
  for (const line of r.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('business metrics on /metrics', () => {
  it('equal the API after a few deliveries', async () => {
    const chain = RegtestChain.fromGenesis();
    const blocks = chain.mineMany(3);
    await t.connect(blocks); // 3 block.connected
    const sent: { site: string; sat: bigint }[] = [
      { site: 'dam-1', sat: 120_000n },
      { site: 'gas-2', sat: 75_000n },
      { site: 'dam-1', sat: 5_000n },
    ];
    const signed: { id: string; body: string }[] = [];
    for (const [i, p] of sent.entries()) {
      const addr = t.addresses[i]!;
      const tx = paymentTx([{ script: addr.script, valueSat: p.sat }], 900 + i);
      const r = await t.send(
        payoutReceived({
          site_id: p.site,
          pool: 'p',
          txid: tx.getId(),
          vout: 0,
          address: addr.address,
          amount_sat: p.sat.toString(),
          coinbase: false,
          raw_tx_hex: tx.toHex(),
        }),
      );
      expect(r.status, r.text).toBe(200);
      signed.push({ id: r.id, body: r.signed.body });
    }
    // A replay of the first, and two refused signatures.
    const replay = await t.send(null, { id: signed[0]!.id, body: signed[0]!.body });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('webhook-replayed')).toBe('true');
    for (let i = 0; i < 2; i++) expect((await t.send({ type: 'x' }, { secret: ROTATED_SECRET })).status).toBe(401);

    const m = await scrape();
    expect(m.get('reserve_webhook_deliveries_total{type="block.connected",outcome="accepted"}')).toBe(3);
    expect(m.get('reserve_webhook_deliveries_total{type="payout.received",outcome="accepted"}')).toBe(3);
    expect(m.get('reserve_webhook_deliveries_total{type="payout.received",outcome="replayed"}')).toBe(1);
    expect(m.get('reserve_webhook_deliveries_total{type="unknown",outcome="unauthorized"}')).toBe(2);

    // Holdings: the holdings report's per-vault, per-state satoshis.
    const holdings = await t.request('GET', '/v1/reports/holdings', { key: t.keys.auditor });
    expect(holdings.status).toBe(200);
    const fromApi = holdings.json.holdings.filter((h: any) => BigInt(h.amount_sat) > 0n);
    expect(fromApi.length).toBeGreaterThan(0);
    for (const h of fromApi)
      expect(m.get(`reserve_holdings_satoshis{vault="${h.policy_id}",state="${h.status}"}`), h.policy_id).toBe(
        Number(h.amount_sat),
      );
    const total = [...m].filter(([k]) => k.startsWith('reserve_holdings_satoshis{')).reduce((s, [, v]) => s + v, 0);
    expect(total).toBe(Number(sent.reduce((s, p) => s + p.sat, 0n)));

    // Chain tip and ledger head.
    const tip = (await t.request('GET', '/v1/chain/tip', { key: t.keys.auditor })).json;
    expect(m.get('reserve_chain_tip_height')).toBe(tip.height);
    expect(tip.height).toBe(3);
    expect(m.get('reserve_chain_tip_age_seconds')).toBeGreaterThanOrEqual(0);
    const verify = (await t.request('GET', '/v1/ledger/verify', { key: t.keys.auditor })).json;
    expect(verify.ok).toBe(true);
    expect(m.get('reserve_ledger_head_seq')).toBe(Number(verify.count));

    // Last payout per site: both sites paid a moment ago.
    for (const site of ['dam-1', 'gas-2']) {
      const age = m.get(`reserve_last_payout_age_seconds{site="${site}"}`)!;
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(120);
    }
    expect(m.has('reserve_last_payout_age_seconds{site="flare-2"}')).toBe(false);

    // Open alerts by severity equal the listing's; appends were timed.
    const open = (await t.request('GET', '/v1/alerts?state=open&limit=1000', { key: t.keys.auditor })).json.items;
    for (const severity of ['info', 'warning', 'critical'])
      expect(m.get(`reserve_alerts_open{severity="${severity}"}`)).toBe(
        open.filter((a: any) => a.severity === severity).length,
      );
    const after = await scrape();
    expect(after.get('reserve_verify_duration_seconds_count{what="ledger"}')).toBe(1);
    const appends = [...after].filter(([k]) => k.startsWith('reserve_ledger_append_duration_seconds_count'));
    expect(appends.reduce((s, [, v]) => s + v, 0)).toBeGreaterThanOrEqual(1);
  });
});
