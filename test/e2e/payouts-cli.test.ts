import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../support/chain.js';
import { TEST_SECRET } from '../support/webhook.js';
import { childEnv, runCli, type ServerProcess, startTestService, type TestService } from './process.js';

// `reserve fleet send FILE` against the real server: a site backfills its history from a JSON
// Lines file; sending the file again is a harmless replay; a refused line fails the run.
// (Reading the file and its refusals are unit-tested: test/unit/payouts/fleet-send.test.ts.)

describe('reserve fleet send', () => {
  let service: TestService;
  let server: ServerProcess;
  let dir: TestService['dir'];
  let api: TestService['api'];

  beforeAll(async () => {
    service = await startTestService('fleet-send', TEST_SECRET);
    ({ server, dir, api } = service);
  }, 90_000);
  afterAll(async () => service?.stop());

  it('backfills blocks and payouts, replays harmlessly, and fails on a refused line', async () => {
    const issued = await api('/v1/policies/regtest-cold/addresses', {
      method: 'POST',
      body: JSON.stringify({ label: 'backfill' }),
    });
    expect(issued.status).toBe(201);
    // Payouts name a registered site.
    const site = await api('/v1/sites', {
      method: 'POST',
      body: JSON.stringify({
        id: 'dam-1',
        name: 'Dam 1',
        region: 'Grodno',
        energy_source: 'hydro',
        pool: { kind: 'solo' },
        energy_supplier: 'grodnoenergo',
      }),
    });
    expect(site.status).toBe(201);
    const script = Buffer.from(issued.json.script_pub_key, 'hex');
    // The file a site would write: headers in order, then each payout with its merkle proof.
    const chain = RegtestChain.fromGenesis();
    const blocks = chain.mineMany(3, () => ({ payTo: [{ script, valueSat: 312_500_000n }] }));
    const coinbases = blocks.map((b) => b.txs[0]!);
    const lines = [
      ...blocks.map((b, i) => chain.connected(b, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())),
      ...coinbases.map((cb, i) => ({
        type: 'payout.received',
        timestamp: new Date(Date.UTC(2026, 0, 1, 1, i)).toISOString(),
        data: {
          site_id: 'dam-1',
          txid: cb.getId(),
          vout: 0,
          address: issued.json.address,
          amount_btc: '3.125',
          coinbase: true,
          block_height: blocks[i]!.height,
          block_hash: blocks[i]!.hash,
          ...chain.proof(blocks[i]!, cb),
        },
      })),
    ];
    const file = join(dir.path, 'backfill.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const env = childEnv({ FLEET_WEBHOOK_SECRETS: TEST_SECRET });
    const url = `${server.base}/v1/webhooks/fleet`;

    // Four in flight: the headers still go one at a time, parent first (each proof needs its header).
    const first = await runCli(['fleet', 'send', file, '--url', url, '--concurrency', '4'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('6 event(s) sent');
    expect(first.stdout).toContain('6 x 200');
    const coins = await api('/v1/utxos?site_id=dam-1');
    expect(coins.json.items).toHaveLength(3);
    expect(coins.json.items.every((u: any) => u.status === 'immature' && u.raw_tx_proven)).toBe(true);

    const again = await runCli(['fleet', 'send', file, '--url', url], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('6 x 200');
    expect((await api('/v1/utxos?site_id=dam-1')).json.items).toHaveLength(3);
    const holdings = await api('/v1/reports/holdings');
    expect(holdings.json.total_sat).toBe('937500000');
    expect(holdings.json.check.ledger_equals_utxo_set).toBe(true);

    writeFileSync(
      file,
      JSON.stringify({
        type: 'payout.received',
        timestamp: new Date().toISOString(),
        data: { ...lines[3]!.data, amount_btc: '3.1250000001' },
      }) + '\n',
    );
    const bad = await runCli(['fleet', 'send', file, '--url', url, '--retries', '0'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/backfill\.jsonl:1 .*422 data\.amount_btc/);
  });
});
