import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegtestChain } from '../support/chain.js';
import { signEvent, TEST_SECRET } from '../support/webhook.js';
import { childEnv, freePort, runCli, type ServerProcess, startTestService, type TestService } from './process.js';

// `reserve reports ...` and `reserve export ...` against the real service, as an officer or auditor
// runs them instead of curl: the table, the JSON (the API's own answer), a ledger export that the
// offline verifier accepts, and a refusal printed field by field with exit 1.

describe('reserve reports and reserve export', () => {
  let service: TestService;
  let server: ServerProcess;
  let dir: TestService['dir'];
  let adminKey: string;
  let env: NodeJS.ProcessEnv;
  let api: TestService['api'];

  beforeAll(async () => {
    service = await startTestService('reports-cli', TEST_SECRET);
    ({ server, dir, adminKey, api } = service);
    // The CLI gets the service's URL and key from the environment, as an operator's shell would.
    env = childEnv({ RESERVE_URL: server.base, RESERVE_API_KEY: adminKey });
  }, 90_000);
  afterAll(async () => service?.stop());

  /** stderr without the line bin/reserve.js prints when it rebuilds dist/ (others edit the tree meanwhile). */
  const stderrOf = (r: { stderr: string }) =>
    r.stderr
      .split('\n')
      .filter((l) => !l.startsWith('build: '))
      .join('\n');

  /** Two mined blocks paying the reserve, delivered as a site's signed webhooks. */
  async function receivePayouts() {
    const issued = await api('/v1/policies/regtest-cold/addresses', {
      method: 'POST',
      body: JSON.stringify({ label: 'reports-cli' }),
    });
    expect(issued.status).toBe(201);
    const site = await api('/v1/sites', {
      method: 'POST',
      body: JSON.stringify({
        id: 'dam-2',
        name: 'Dam 2',
        region: 'Grodno',
        energy_source: 'hydro',
        pool: { kind: 'solo' },
        energy_supplier: 'grodnoenergo',
      }),
    });
    expect(site.status).toBe(201);
    const chain = RegtestChain.fromGenesis();
    const script = Buffer.from(issued.json.script_pub_key, 'hex');
    const blocks = chain.mineMany(2, () => ({ payTo: [{ script, valueSat: 312_500_000n }] }));
    const events = [
      ...blocks.map((b, i) => chain.connected(b, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())),
      ...blocks.map((b, i) => ({
        type: 'payout.received',
        timestamp: new Date(Date.UTC(2026, 0, 1, 1, i)).toISOString(),
        data: {
          site_id: 'dam-2',
          txid: b.txs[0]!.getId(),
          vout: 0,
          address: issued.json.address,
          amount_btc: '3.125',
          coinbase: true,
          block_height: b.height,
          block_hash: b.hash,
          ...chain.proof(b, b.txs[0]!),
        },
      })),
    ];
    for (const event of events) {
      const delivery = signEvent(event);
      const r = await fetch(`${server.base}/v1/webhooks/fleet`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(r.status).toBe(200);
    }
  }

  it('prints holdings as a table and as the API answer, exports a ledger that verifies, and prints a refusal', async () => {
    await receivePayouts();

    const table = await runCli(['reports', 'holdings'], env);
    expect(stderrOf(table)).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Holdings as of \d{4}-\d\d-\d\dT/);
    expect(table.stdout).toMatch(/regtest-cold\s+immature\s+6\.25000000\s+2\s/);
    expect(table.stdout).toMatch(/total\s+6\.25000000/);
    expect(table.stdout).toContain('Ledger equals UTXO set: yes');

    const json = await runCli(['reports', 'holdings', '--json', '--as-of', '2026-06-01T00:00:00Z'], env);
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer).toEqual((await api('/v1/reports/holdings?as_of=2026-06-01T00:00:00Z')).json);
    expect(answer.total_sat).toBe('625000000');

    // The other reports' tables, from the same coins.
    const proof = await runCli(['reports', 'proof'], env);
    expect(proof.code).toBe(0);
    expect(proof.stdout).toMatch(/\n(bcrt1\w+)\s+regtest-cold\s+2\s+6\.25000000\n/);
    expect(proof.stdout).toMatch(/\ntotal\s+2\s+6\.25000000\n/);
    const roll = await runCli(
      ['reports', 'rollforward', '--from', '2009-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z'],
      env,
    );
    expect(roll.code).toBe(0);
    expect(roll.stdout).toMatch(/\n {2}dam-2\s+6\.25000000\s/);
    expect(roll.stdout).toMatch(/\nclosing\s+6\.25000000\s/);
    expect(roll.stdout).toContain('Balanced: yes');

    // The key from a file instead of the environment; the ledger as CSV, then checked offline.
    const keyFile = join(dir.path, 'auditor.key');
    writeFileSync(keyFile, `${adminKey}\n`, { mode: 0o600 });
    const out = join(dir.path, 'ledger.csv');
    const { RESERVE_API_KEY: _unset, ...noKey } = env;
    const exported = await runCli(['export', 'ledger', '--format', 'csv', '--out', out, '--key-file', keyFile], noKey);
    expect(stderrOf(exported)).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^seq,/);
    const verified = await runCli(['verify', out], childEnv({}));
    expect(stderrOf(verified)).toBe('');
    expect(verified.code).toBe(0);

    // A refusal: the service's title and each field with its reason, in its order; nothing on stdout.
    const refused = await runCli(['reports', 'holdings', '--as-of', 'yesterday', '--currency', 'xx'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const lines = stderrOf(refused).trim().split('\n');
    expect(lines[0]).toBe('reserve: Validation failed (HTTP 422)');
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual(['query.as_of', 'query.currency']);
    expect(lines[1]).toContain('query.as_of: must be an RFC 3339 date-time');

    // An unreachable service names the URL it tried.
    const gone = await runCli(['reports', 'proof', '--url', `http://127.0.0.1:${await freePort()}`], env);
    expect(gone.code).toBe(1);
    expect(stderrOf(gone)).toMatch(/cannot reach the service at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});
