import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAddress } from '../../../src/policies/service.js';
import { RegtestChain } from '../../support/chain.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

let t: FleetApp;
let before: string;
const txids: string[] = [];
let issued: string;

beforeAll(async () => {
  t = await createFleetApp();
  const { address } = await issueAddress({
    ctx: t.ctx(),
    input: {
      policyId: 'regtest-cold',
      label: 'Pool A payouts',
      site: 'dam-1',
      pool: 'pool-a',
      purpose: 'mining payouts',
    },
  });
  issued = address.address;
  before = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  const target = t.addresses.find((a) => a.address === issued)!;
  const chain = RegtestChain.fromGenesis();
  const payTo = (h: number) => [
    { script: (h === 1 ? target : t.addresses[1]!).script, valueSat: 312_500_000n + BigInt(h) },
  ];
  const blocks = chain.mineMany(2, (h) => ({ payTo: payTo(h) }));
  const coinbases = blocks.map((b) => b.txs[0]!);
  for (const [i, cb] of coinbases.entries()) {
    const sent = await t.send(
      payoutReceived({
        site_id: i === 0 ? 'dam-1' : 'flare-2',
        pool: i === 0 ? 'pool-a' : 'own',
        txid: cb.getId(),
        vout: 0,
        address: i === 0 ? issued : t.addresses[1]!.address,
        amount_sat: String(312_500_000n + BigInt(i + 1)),
        coinbase: true,
        block_height: i + 1,
        block_hash: blocks[i]!.hash,
        raw_tx_hex: cb.toHex(),
      }),
    );
    expect(sent.status, sent.text).toBe(200);
    txids.push(cb.getId());
  }
  await t.connect(blocks);
});
afterAll(async () => t?.close());

function jsonl(text: string) {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('GET /v1/exports/utxos', () => {
  it('streams every coin with policy, address, derivation, state, site and block, and a manifest', async () => {
    const res = await t.request('GET', '/v1/exports/utxos', { key: t.keys.auditor });
    expect(res.status).toBe(200);
    const lines = jsonl(res.text);
    const { manifest } = lines.pop();
    expect(lines).toHaveLength(2);
    const first = lines.find((l) => l.txid === txids[0])!;
    expect(first).toMatchObject({
      vout: 0,
      policy_id: 'regtest-cold',
      address: issued,
      chain: 0,
      status: 'immature',
      site_id: 'dam-1',
      pool: 'pool-a',
      block_height: 1,
      amount_sat: '312500001',
      amount_btc: '3.12500001',
      coinbase: true,
    });
    expect(first.index).toBeGreaterThanOrEqual(0);
    expect(first.derivation.length).toBeGreaterThanOrEqual(2);
    for (const d of first.derivation) expect(d.path).toMatch(new RegExp(`^m/.*/0/${first.index}$`));
    expect(manifest).toMatchObject({
      export: 'utxos',
      as_of: null,
      count: 2,
      tip_height: 2,
      totals: [{ policy_id: 'regtest-cold', status: 'immature', amount_sat: '625000003' }],
    });
    const body = res.text.slice(0, res.text.trimEnd().lastIndexOf('\n') + 1);
    expect(manifest.body_sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  // known_at: what the reserve had recorded by then (as_of defaults to it); as_of alone is valid time.
  it('known_at: the coins known then, in their state then', async () => {
    const early = await t.request('GET', `/v1/exports/utxos?known_at=${encodeURIComponent(before)}`, {
      key: t.keys.auditor,
    });
    expect(early.status).toBe(200);
    const lines = jsonl(early.text);
    expect(lines).toHaveLength(1);
    expect(lines[0].manifest).toMatchObject({
      count: 0,
      as_of: new Date(before).toISOString(),
      known_at: new Date(before).toISOString(),
      totals: [],
    });
    const now = await t.request('GET', `/v1/exports/utxos?as_of=${encodeURIComponent(new Date().toISOString())}`, {
      key: t.keys.auditor,
    });
    expect(
      jsonl(now.text)
        .slice(0, -1)
        .map((l) => l.status),
    ).toEqual(['immature', 'immature']);
    const bad = await t.request('GET', '/v1/exports/utxos?as_of=soon', { key: t.keys.auditor });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe('query.as_of');
    expect((await t.request('GET', '/v1/exports/utxos', { key: t.keys.officer })).status).toBe(403);
  });
});

describe('GET /v1/exports/labels (BIP-329)', () => {
  it('labels addresses and outputs with site, pool and purpose; the manifest endpoint hashes the same body', async () => {
    const res = await t.request('GET', '/v1/exports/labels', { key: t.keys.auditor });
    expect(res.status).toBe(200);
    const records = jsonl(res.text);
    for (const r of records) {
      expect(['addr', 'output']).toContain(r.type);
      expect(typeof r.ref).toBe('string');
      expect(typeof r.label).toBe('string');
    }
    expect(records.find((r) => r.type === 'addr' && r.ref === issued)).toEqual({
      type: 'addr',
      ref: issued,
      label: 'Pool A payouts, site: dam-1, pool: pool-a, purpose: mining payouts, policy: regtest-cold',
    });
    expect(records.find((r) => r.type === 'output' && r.ref === `${txids[1]}:0`)).toEqual({
      type: 'output',
      ref: `${txids[1]}:0`,
      label: 'site: flare-2, pool: own, policy: regtest-cold, status: immature, coinbase: yes',
      spendable: true, // issue 13, finding 6: false would freeze it in Sparrow
    });
    const manifest = await t.request('GET', '/v1/exports/labels/manifest', { key: t.keys.auditor });
    expect(manifest.status).toBe(200);
    expect(manifest.json).toMatchObject({
      export: 'labels',
      outputs: 2,
      body_sha256: createHash('sha256').update(res.text).digest('hex'),
    });
    expect(manifest.json.addresses).toBe(records.filter((r) => r.type === 'addr').length);
  });
});
