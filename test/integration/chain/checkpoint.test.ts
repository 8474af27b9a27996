import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { setChainSettings } from '../../../src/chain/index.js';
import { RegtestChain } from '../../support/chain.js';
import { coinbaseTx, paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

// A regtest header tree starting at a configured checkpoint (CHAIN_CHECKPOINT_REGTEST) at a
// mainnet-like height, so a test works at height 840,001 without mining up to it; a payout in a
// block of three transactions proven with the branch the test helper computes on its own.

const chain = RegtestChain.fromCheckpoint(840_000, '2026-03-01T00:00:00Z');
let t: FleetApp;
beforeAll(async () => {
  chain.install();
  t = await createFleetApp();
});
afterAll(async () => {
  await t?.close();
  setChainSettings(undefined);
});

describe('regtest from a checkpoint', () => {
  it('connects blocks above the checkpoint and proves a payment at index 2; a block below it has no parent', async () => {
    expect(chain.checkpointText).toMatch(/^840000:[0-9a-f]{64}:[0-9a-f]{160}$/);
    const addr = t.addresses[0]!;
    const pay = paymentTx([{ script: addr.script, valueSat: 25_000n }], 3);
    const b = chain.mine({ txs: [paymentTx([{ script: Buffer.from([0x51]), valueSat: 1n }], 2), pay] });
    expect(b.height).toBe(840_001);
    const connected = await t.send(chain.connected(b));
    expect(connected.status, connected.text).toBe(200);
    expect((await t.request('GET', '/v1/chain/tip')).json).toEqual({ height: 840_001, hash: b.hash });

    const proof = chain.proof(b, pay);
    expect(proof.tx_index).toBe(2);
    expect(proof.merkle_branch).toHaveLength(2);
    const payout = payoutReceived({
      site_id: 'dam-1',
      txid: pay.getId(),
      vout: 0,
      address: addr.address,
      amount_sat: '25000',
      coinbase: false,
      block_height: b.height,
      block_hash: b.hash,
      ...proof,
    });
    const r = await t.send(payout);
    expect(r.status, r.text).toBe(200);
    expect(r.json.utxo.status).toBe('available');
    const [row] = rowsOf<{ merkle_proven: boolean }>(
      await t.database.db.execute(sql`select merkle_proven from utxos where txid = ${pay.getId()}`),
    );
    expect(row!.merkle_proven).toBe(true);
    // The same branch with one hash changed folds to another root: refused.
    const forged = { ...payout, data: { ...payout.data, merkle_branch: [proof.merkle_branch[0]!, 'ab'.repeat(32)] } };
    expect((await t.send(forged)).json.errors?.[0]?.field).toBe('data.merkle_branch');

    // Below the checkpoint nothing is known: a header there is refused, naming its parent.
    const low = RegtestChain.fromGenesis().mine({ coinbase: coinbaseTx(1, [{ script: addr.script, valueSat: 1n }]) });
    const refused = await t.send(RegtestChain.fromGenesis().connected(low));
    expect(refused.status).toBe(422);
    expect(refused.json.errors[0].field).toBe('data.header_hex');
  });
});
