import { sql } from 'drizzle-orm';
import { rowsOf } from '../../../db/client.js';
import { listAddresses } from '../../../src/policies/service.js';
import { createTestApp, registerSites, type TestApp } from '../../support/app.js';
import { blockConnectedWithHeader, signEvent, TEST_SECRET } from '../../support/webhook.js';
import type { RegtestBlock } from '../../support/regtest.js';

// A test app with the fleet secret, the example policies, the sites the tests' payouts name
// (the webhook refuses a payout for an unknown site), and helpers to post signed events.

/** The sites every fleet app has registered (payouts name them). */
export const FLEET_SITES = ['dam-1', 'gas-2', 'flare-2', 'other-site', 'group-site', 'someone-else'] as const;

export async function createFleetApp(secrets: string[] = [TEST_SECRET], sites: readonly string[] = FLEET_SITES) {
  const t = await createTestApp({ webhookSecrets: secrets });
  await registerSites(t, sites);
  const { items } = await listAddresses(t.ctx(), { policyId: 'regtest-cold', chain: 0, from: 0, count: 10 });
  const addresses = items.map((i) => ({ address: i.derived.address, script: i.derived.scriptPubKey }));
  const testnet = (await listAddresses(t.ctx(), { policyId: 'testnet-drill', chain: 0, from: 0, count: 1 })).items[0]!
    .derived;

  async function send(event: unknown, options: Parameters<typeof signEvent>[1] = {}) {
    const signed = signEvent(event, options);
    const response = await t.request('POST', '/v1/webhooks/fleet', {
      key: null,
      raw: signed.body,
      headers: signed.headers,
    });
    return { ...response, id: signed.id, signed };
  }

  /** Connects mined blocks in order, each block.connected with its real header. */
  async function connect(blocks: RegtestBlock[]) {
    for (const b of blocks) {
      const r = await send(blockConnectedWithHeader(b));
      if (r.status !== 200) throw new Error(`block.connected ${b.height} -> ${r.status} ${r.text}`);
    }
  }

  /** Row counts of every table the webhook may write, to prove a refusal wrote nothing. */
  async function footprint() {
    const count = async (table: string) => {
      const rows = rowsOf<{ n: number }>(
        await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)),
      );
      return Number(rows[0]!.n);
    };
    const tables = ['webhook_events', 'utxos', 'utxo_history', 'chain_blocks', 'alerts', 'ledger_entries', 'audit_log'];
    return Object.fromEntries(await Promise.all(tables.map(async (name) => [name, await count(name)])));
  }

  return {
    ...t,
    addresses,
    testnetAddress: testnet.address,
    send,
    connect,
    footprint,
    sites: (ids: string[]) => registerSites(t, ids),
  };
}

export type FleetApp = Awaited<ReturnType<typeof createFleetApp>>;
export type { TestApp };
