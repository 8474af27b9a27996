import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { createSpendsApp, type SpendsApp } from './fixture.js';

// The database holds the spend rules by itself: transitions outside the state machine, a second live spend of
// a coin, edits of what was proposed and deletions are refused by triggers and the unique partial index.

let t: SpendsApp;
let id: string;
let coin: { txid: string; vout: number };
beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
  [coin] = (await t.fund('regtest-warm', [50_000_000n])) as [{ txid: string; vout: number }];
  const r = await t.request('POST', '/v1/spends', {
    key: t.keys.officer,
    body: {
      policy_id: 'regtest-warm',
      outputs: [{ policy_id: 'regtest-cold', amount_btc: '0.1' }],
      fee_rate_sat_vb: 2,
      purpose: 'guards',
    },
  });
  expect(r.status, r.text).toBe(201);
  id = r.json.id;
});
afterAll(async () => t?.close());

const refused = async (statement: ReturnType<typeof sql>, message: RegExp) => {
  await expect(t.database.db.execute(statement)).rejects.toThrow();
  try {
    await t.database.db.execute(statement);
  } catch (error) {
    const text = `${(error as Error).message} ${String((error as { cause?: Error }).cause?.message ?? '')}`;
    expect(text).toMatch(message);
  }
};

describe('database guards', () => {
  it('refuses a move outside the state machine', async () => {
    await refused(
      sql`update spends set state = 'confirmed', block_hash = ${'00'.repeat(32)} where id = ${id}`,
      /may not move from proposed to confirmed/,
    );
    await refused(sql`update spends set state = 'signed' where id = ${id}`, /may not move|spends_signed_has_tx/);
  });
  it('refuses changing what was proposed, and deleting', async () => {
    await refused(sql`update spends set fee_sat = fee_sat + 1 where id = ${id}`, /may not change/);
    await refused(sql`delete from spends where id = ${id}`, /DELETE refused/);
    await refused(sql`delete from spend_inputs where spend_id = ${id}`, /DELETE refused/);
  });
  it('refuses a second live spend of one coin', async () => {
    const other = `spd_${'0'.repeat(20)}`;
    await t.database.db.execute(sql`insert into spends select ${other}, policy_id, policy_version, 'proposed', purpose, account, proposed_by, proposed_by_name,
      approvals_required, threshold, delay_hours, fee_rate_msat_vb, fee_sat, vsize, amount_sat, change_sat, locktime, includes_coinbase, digest,
      unsigned_tx_hex, unsigned_txid, txid, psbt_base64, null, null, null, null, created_at, expires_at from spends where id = ${id}`);
    await refused(
      sql`insert into spend_inputs (spend_id, n, txid, vout, amount_sat, address, chain, index, coinbase)
        select ${other}, 0, txid, vout, amount_sat, address, chain, index, coinbase from spend_inputs where spend_id = ${id} and n = 0`,
      /spend_inputs_one_live_spend|duplicate key/,
    );
    expect(coin.txid).toMatch(/^[0-9a-f]{64}$/);
  });
  it('refuses reviving a released input', async () => {
    const c = await t.request('POST', `/v1/spends/${id}/cancel`, { key: t.keys.officer });
    expect(c.status, c.text).toBe(200);
    expect(Number(await t.count(`spend_inputs where spend_id = '${id}' and live`))).toBe(0);
    await refused(sql`update spend_inputs set live = true where spend_id = ${id}`, /may not change/);
  });
  it('refuses inputs added to a spend no longer proposed, or added not live, for the whole statement', async () => {
    const before = Number(await t.count('spend_inputs'));
    // The cancelled spend: one statement of two new coins, both refused together.
    await refused(
      sql`insert into spend_inputs (spend_id, n, txid, vout, amount_sat, address, chain, index, coinbase)
        select ${id}, 100 + k.j, repeat('a', 64), k.j, i.amount_sat, i.address, i.chain, i.index, i.coinbase
        from (select 0 as j union all select 1) k, (select * from spend_inputs where spend_id = ${id} and n = 0) i`,
      /inputs are added to a proposed spend only/,
    );
    // The proposed spend of the test above, with an input that is not live.
    const other = `spd_${'0'.repeat(20)}`;
    await refused(
      sql`insert into spend_inputs (spend_id, n, txid, vout, amount_sat, address, chain, index, coinbase, live)
        select ${other}, 7, repeat('b', 64), 0, amount_sat, address, chain, index, coinbase, false from spend_inputs where spend_id = ${id} and n = 0`,
      /inputs are added to a proposed spend only/,
    );
    expect(Number(await t.count('spend_inputs'))).toBe(before);
  });
  it('stores the PSBT and the unsigned transaction out of line, uncompressed (migration 0006)', async () => {
    const result = await t.database.db.execute(
      sql`select attname, attstorage from pg_attribute where attrelid = 'spends'::regclass and attname in ('psbt_base64', 'unsigned_tx_hex') order by attname`,
    );
    const rows = rowsOf<{ attname: string; attstorage: string }>(result);
    expect(rows.map((r) => `${r.attname}:${r.attstorage}`)).toEqual(['psbt_base64:e', 'unsigned_tx_hex:e']);
  });
});
