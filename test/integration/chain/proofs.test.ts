import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { CHAIN_PARAMS, merkleBranchesDisplay } from '../../../src/chain/index.js';
import { coinbaseTx, mineBlock, paymentTx, type RegtestBlock } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

// Payouts proven by merkle branches against headers in the tree, and the re-mined payment.

const GENESIS = CHAIN_PARAMS.regtest.genesisHash;
let at = Date.parse('2026-03-01T00:00:00Z');
const nextAt = () => new Date((at += 1000)).toISOString();
const connected = (b: RegtestBlock) => ({
  type: 'block.connected',
  timestamp: nextAt(),
  data: { height: b.height, hash: b.hash, header_hex: Buffer.from(b.block.toBuffer(true)).toString('hex') },
});
const filler = (h: number, tag: string) => coinbaseTx(h, [{ script: Buffer.from([0x51]), valueSat: 1n }], tag);

describe('chain: payouts proven against the header tree', () => {
  let t: FleetApp;
  beforeAll(async () => {
    t = await createFleetApp();
    // Payouts name a registered site.
    await t.sites(['hydro-1']);
  });
  afterAll(async () => t.close());
  const utxo = async (txid: string) => (await t.request('GET', `/v1/utxos/${txid}/0`)).json;
  const proven = async (txid: string) =>
    rowsOf<{ merkle_proven: boolean }>(
      await t.database.db.execute(sql`select merkle_proven from utxos where txid = ${txid} and vout = 0`),
    )[0]?.merkle_proven;

  it('a proven coinbase and payment; a forged branch, a wrong index, a coinbase without its BIP-34 height refused', async () => {
    const script = Buffer.from(t.addresses[1]!.script);
    const address = t.addresses[1]!.address;
    const cb = coinbaseTx(2, [{ script, valueSat: 5_000_000_000n }], 'p');
    const pay = paymentTx([{ script, valueSat: 20_000n }], 77);
    const others = [1, 2, 3].map((s) => paymentTx([{ script: Buffer.from([0x51]), valueSat: BigInt(s) }], 100 + s));
    const b1 = mineBlock(1, GENESIS, [filler(1, 'p')]);
    const b2 = mineBlock(2, b1.hash, [cb, others[0]!, pay, others[1]!, others[2]!]);
    const badCb = coinbaseTx(7, [{ script, valueSat: 1_000n }], 'bad'); // claims height 7 in block 3
    const b3 = mineBlock(3, b2.hash, [badCb]);
    for (const b of [b1, b2, b3]) expect((await t.send(connected(b))).status).toBe(200);
    const ids = b2.block.transactions!.map((x) => x.getId());
    const [cbBranch, payBranch] = merkleBranchesDisplay(ids, [0, 2]);
    const payout = (tx: typeof cb, coinbase: boolean, block: RegtestBlock, proof: Record<string, unknown>) =>
      payoutReceived({
        site_id: 'hydro-1',
        txid: tx.getId(),
        vout: 0,
        address,
        amount_sat: tx.outs[0]!.value.toString(),
        coinbase,
        block_height: block.height,
        block_hash: block.hash,
        raw_tx_hex: tx.toHex(),
        ...proof,
      });
    const refusals: [string, unknown, string, RegExp][] = [
      [
        'forged branch',
        payout(pay, false, b2, {
          tx_index: 2,
          merkle_branch: [payBranch![0]!.replace(/^./, (c) => (c === '0' ? '1' : '0')), ...payBranch!.slice(1)],
        }),
        'data.merkle_branch',
        /merkle root/,
      ],
      [
        'wrong index',
        payout(pay, false, b2, { tx_index: 3, merkle_branch: payBranch }),
        'data.merkle_branch',
        /merkle root|duplicates/,
      ],
      [
        'coinbase without its BIP-34 height',
        payout(badCb, true, b3, { tx_index: 0, merkle_branch: [] }),
        'data.raw_tx_hex',
        /BIP-34/,
      ],
      [
        'coinbase claimed at index 2',
        payout(cb, true, b2, { tx_index: 2, merkle_branch: payBranch }),
        'data.tx_index',
        /coinbase/,
      ],
    ];
    for (const [name, event, field, reason] of refusals) {
      const before = await t.footprint();
      const r = await t.send(event);
      expect(r.status, `${name}: ${r.text}`).toBe(422);
      expect(r.json.errors?.[0]?.field, name).toBe(field);
      expect(r.json.errors?.[0]?.reason, name).toMatch(reason);
      expect({ ...(await t.footprint()), audit_log: 0 }, name).toEqual({ ...before, audit_log: 0 });
    }
    expect((await t.send(payout(cb, true, b2, { tx_index: 0, merkle_branch: cbBranch }))).status).toBe(200);
    expect((await t.send(payout(pay, false, b2, { tx_index: 2, merkle_branch: payBranch }))).status).toBe(200);
    expect(await proven(cb.getId())).toBe(true);
    expect(await proven(pay.getId())).toBe(true);
    expect((await utxo(pay.getId())).status).toBe('available');
  });

  it('an ordinary payment re-mined in the replacement block after a reorg ends confirmed there', async () => {
    const script = Buffer.from(t.addresses[2]!.script);
    const tip = (await t.request('GET', '/v1/chain/tip')).json as { height: number; hash: string };
    const pay = paymentTx([{ script, valueSat: 30_000n }], 901);
    const old = mineBlock(tip.height + 1, tip.hash, [filler(tip.height + 1, 'old'), pay]);
    expect((await t.send(connected(old))).status).toBe(200);
    const report = (block: RegtestBlock) => {
      const ids = block.block.transactions!.map((x) => x.getId());
      return payoutReceived({
        site_id: 'hydro-1',
        txid: pay.getId(),
        vout: 0,
        address: t.addresses[2]!.address,
        amount_sat: '30000',
        coinbase: false,
        block_height: block.height,
        block_hash: block.hash,
        raw_tx_hex: pay.toHex(),
        tx_index: 1,
        merkle_branch: merkleBranchesDisplay(ids, [1])[0],
      });
    };
    expect((await t.send(report(old))).status).toBe(200);
    expect((await utxo(pay.getId())).status).toBe('available');
    // The replacement branch: two blocks on the same parent, the payment in the first.
    const n1 = mineBlock(tip.height + 1, tip.hash, [filler(tip.height + 1, 'new'), pay]);
    const n2 = mineBlock(tip.height + 2, n1.hash, [filler(tip.height + 2, 'new')]);
    for (const b of [n1, n2]) expect((await t.send(connected(b))).status).toBe(200);
    expect((await utxo(pay.getId())).status).toBe('unconfirmed');
    const r = await t.send(report(n1));
    expect(r.status, r.text).toBe(200);
    const coin = await utxo(pay.getId());
    expect(coin.status).toBe('available');
    expect(coin.block_hash).toBe(n1.hash);
    expect(coin.history.map((h: { to_status: string }) => h.to_status)).toEqual([
      'available',
      'unconfirmed',
      'available',
    ]);
    // A change of the coin's own facts is still a conflict.
    const changed = { ...report(n1), data: { ...report(n1).data, site_id: 'other-site' } };
    expect((await t.send(changed)).status).toBe(409);
  });
});
