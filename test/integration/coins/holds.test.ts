import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCoins, markSpent, releaseCoins, reopenSpend } from '../../../src/coins/index.js';
import { DISBURSEMENTS, getBalance, NETWORK_FEES, vaultAccount, verifyLedger } from '../../../src/ledger/index.js';
import { RegtestChain } from '../../support/chain.js';
import { paymentTx } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

// The spend side of the coin set: lock, release, spend and a spend undone by a reorg, each with its
// history rows and ledger entry, the vault accounts always equal to the coins in each state.

let t: FleetApp;
const outpoints: string[] = [];
beforeAll(async () => {
  t = await createFleetApp();
  const addr = t.addresses[3]!;
  const block = RegtestChain.fromGenesis().mine({ tag: 'holds' });
  await t.connect([block]);
  for (const [n, sat] of [
    [11, '0.0004'],
    [12, '0.0006'],
  ] as const) {
    const pay = paymentTx([{ script: addr.script, valueSat: 1n }], n);
    const r = await t.send(
      payoutReceived({
        site_id: 'dam-1',
        txid: pay.getId(),
        vout: 0,
        address: addr.address,
        amount_btc: sat,
        coinbase: false,
        block_height: block.height,
        block_hash: block.hash,
      }),
    );
    expect(r.status, r.text).toBe(200);
    outpoints.push(`${pay.getId()}:0`);
  }
});
afterAll(async () => t?.close());

const balance = async (state: 'available' | 'locked') =>
  String(await getBalance(t.ctx(), vaultAccount('regtest-cold', state), 'BTC'));
const statusOf = async (outpoint: string) => {
  const [txid, vout] = outpoint.split(':');
  return (await t.request('GET', `/v1/utxos/${txid}/${vout}`)).json.status;
};
async function booksAgree() {
  const r = await t.request('GET', '/v1/reports/holdings');
  expect(r.json.check.ledger_equals_utxo_set, JSON.stringify(r.json.check)).toBe(true);
}

describe('coins: lock, release, spend, reopen', () => {
  it('locks available coins, refuses to lock them twice, and releases one', async () => {
    expect(await balance('available')).toBe('100000');
    await lockCoins({ ctx: t.ctx(), input: { outpoints, holder: 'spend_a' } });
    expect(await statusOf(outpoints[0]!)).toBe('locked');
    expect(await balance('locked')).toBe('100000');
    expect(await balance('available')).toBe('0');
    await expect(lockCoins({ ctx: t.ctx(), input: { outpoints, holder: 'spend_b' } })).rejects.toMatchObject({
      code: 'conflict',
    });
    await releaseCoins({ ctx: t.ctx(), input: { outpoints: [outpoints[1]!], holder: 'spend_a' } });
    expect(await statusOf(outpoints[1]!)).toBe('available');
    expect(await balance('locked')).toBe('40000');
    await booksAgree();
  });

  it('refuses a hold naming a held or unknown coin beside an available one, writing nothing', async () => {
    // outpoints[0] is locked, outpoints[1] available: the one statement must not move the available coin alone.
    const history = async () => (await t.request('GET', `/v1/utxos/${outpoints[1]!.replace(':', '/')}`)).json;
    const before = JSON.stringify(await history());
    await expect(lockCoins({ ctx: t.ctx(), input: { outpoints, holder: 'spend_c' } })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(`${outpoints[0]} is locked`),
    });
    const unknown = `${'ab'.repeat(32)}:0`;
    await expect(
      lockCoins({ ctx: t.ctx(), input: { outpoints: [outpoints[1]!, unknown], holder: 'spend_c' } }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await statusOf(outpoints[1]!)).toBe('available');
    expect(JSON.stringify(await history())).toBe(before);
    expect(await balance('locked')).toBe('40000');
    expect(await balance('available')).toBe('60000');
    await booksAgree();
  });

  it('refuses a settlement that does not sum to the coins, writing nothing', async () => {
    const before = await t.footprint();
    await expect(
      markSpent({
        ctx: t.ctx(),
        input: {
          outpoints,
          spendId: 'spend_a',
          eventId: 'blk1',
          settlement: { description: 'pay', postings: [{ account: DISBURSEMENTS, amount_sat: '99999' }] },
        },
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await t.footprint()).toEqual(before);
  });

  it('spends a locked and an available coin (spent outside Reserve), then a reorg undoes it', async () => {
    const history = (o: string) =>
      t.request('GET', `/v1/utxos/${o.replace(':', '/')}`).then((r) => r.json.history.map((h: any) => h.to_status));
    await markSpent({
      ctx: t.ctx(),
      input: {
        outpoints,
        spendId: 'spend_a',
        eventId: 'blk1',
        settlement: {
          description: 'paid the supplier',
          postings: [
            { account: DISBURSEMENTS, amount_sat: '99000' },
            { account: NETWORK_FEES, amount_sat: '1000' },
          ],
        },
      },
    });
    expect(await statusOf(outpoints[0]!)).toBe('spent');
    expect(await balance('locked')).toBe('0');
    expect(await balance('available')).toBe('0');
    expect(String(await getBalance(t.ctx(), NETWORK_FEES, 'BTC'))).toBe('1000');
    await booksAgree();
    // The database refuses a move the state machine does not have, whatever the code does.
    const [txid, vout] = outpoints[0]!.split(':');
    await expect(
      t.database.db.execute(sql`update utxos set status = 'immature' where txid = ${txid} and vout = ${BigInt(vout!)}`),
    ).rejects.toThrow();

    await reopenSpend({
      ctx: t.ctx(),
      input: { spendId: 'spend_a', eventId: 'blk1', reason: 'block reorganised away' },
    });
    expect(await statusOf(outpoints[0]!)).toBe('locked');
    expect(await statusOf(outpoints[1]!)).toBe('available');
    expect(await balance('locked')).toBe('40000');
    expect(await balance('available')).toBe('60000');
    expect(String(await getBalance(t.ctx(), NETWORK_FEES, 'BTC'))).toBe('0');
    expect(await history(outpoints[0]!)).toEqual(['available', 'locked', 'spent', 'locked']);
    await booksAgree();
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
  });
});
