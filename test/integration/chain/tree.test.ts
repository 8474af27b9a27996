import { sql } from 'drizzle-orm';
import type { Block } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_PARAMS } from '../../../src/chain/index.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';
import { coinbaseTx, mineBlock, paymentTx, type RegtestBlock } from '../../support/regtest.js';
import { payoutReceived } from '../../support/webhook.js';

// The header tree end to end through the signed webhook: the tip is the most work, a heavier
// branch reorganises by itself, and a bad header is a 422 naming data.header_hex, writing nothing.

const GENESIS = CHAIN_PARAMS.regtest.genesisHash;
let at = Date.parse('2026-02-01T00:00:00Z');
const nextAt = () => new Date((at += 1000)).toISOString();

function connected(
  b: RegtestBlock,
  timestamp = nextAt(),
  header = Buffer.from(b.block.toBuffer(true)).toString('hex'),
) {
  return {
    type: 'block.connected',
    timestamp,
    data: { height: b.height, hash: b.hash, prev_hash: b.prevHash, header_hex: header },
  };
}

describe('chain: header tree, tip by most work, reorg without disconnect events', () => {
  let t: FleetApp;
  beforeAll(async () => {
    t = await createFleetApp();
    // Payouts name a registered site.
    await t.sites(['gas-2']);
  });
  afterAll(async () => t.close());

  const utxo = async (txid: string, vout = 0) => (await t.request('GET', `/v1/utxos/${txid}/${vout}`)).json;
  const tip = async () => (await t.request('GET', '/v1/chain/tip')).json;
  const cbScript = () => t.addresses[0]!.script;

  it('a fork two blocks deep that becomes heavier reorganises; a stale tip with later timestamps loses', async () => {
    const script = Buffer.from(cbScript());
    const a1 = mineBlock(1, GENESIS, [coinbaseTx(1, [{ script: Buffer.from([0x51]), valueSat: 1n }])]);
    const cb = coinbaseTx(2, [{ script, valueSat: 5_000_000_000n }], 'a');
    const pay = paymentTx([{ script, valueSat: 10_000n }], 42);
    const a2 = mineBlock(2, a1.hash, [cb]);
    const a3 = mineBlock(3, a2.hash, [coinbaseTx(3, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'a'), pay]);
    // B forks after block 1: same payment re-mined in B3, one block more work at B4.
    const b2 = mineBlock(2, a1.hash, [coinbaseTx(2, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'b')]);
    const b3 = mineBlock(3, b2.hash, [coinbaseTx(3, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'b'), pay]);
    const b4 = mineBlock(4, b3.hash, [coinbaseTx(4, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'b')]);

    // B arrives first, stamped EARLIER; A later with later stamps. Equal work at 3: first seen (B3) stays.
    for (const b of [a1, b2, b3]) expect((await t.send(connected(b))).status).toBe(200);
    for (const b of [a2, a3]) expect((await t.send(connected(b))).status).toBe(200);
    expect((await tip()).hash).toBe(b3.hash);

    // Now the payouts: the coinbase in A2 (a side block) and the payment in B3.
    for (const [tx, coinbase, block] of [
      [cb, true, a2],
      [pay, false, b3],
    ] as const) {
      const r = await t.send(
        payoutReceived({
          site_id: 'gas-2',
          txid: tx.getId(),
          vout: 0,
          address: t.addresses[0]!.address,
          amount_sat: coinbase ? '5000000000' : '10000',
          coinbase,
          block_height: block.height,
          block_hash: block.hash,
          raw_tx_hex: tx.toHex(),
        }),
      );
      expect(r.status, r.text).toBe(200);
    }
    expect((await utxo(pay.getId())).status).toBe('available');
    expect((await utxo(cb.getId())).status).toBe('unconfirmed');

    // A4 makes A heavier: B2, B3 leave the best chain with no block.disconnected sent.
    const a4 = mineBlock(4, a3.hash, [coinbaseTx(4, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'a')]);
    const r = await t.send(connected(a4));
    expect(r.status, r.text).toBe(200);
    expect(r.json.result?.reorg ?? r.json.reorg).toBeTruthy();
    expect((await tip()).hash).toBe(a4.hash);
    expect((await utxo(cb.getId())).status).toBe('immature');
    expect((await utxo(pay.getId())).status).toBe('unconfirmed');

    // And back: B4 then B5 out-work A4; the A2 coinbase is orphaned for good, the payment confirmed again in B3.
    const b5 = mineBlock(5, b4.hash, [coinbaseTx(5, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'b')]);
    for (const b of [b4, b5]) expect((await t.send(connected(b, '2026-01-01T00:00:00Z'))).status).toBe(200);
    expect((await tip()).hash).toBe(b5.hash);
    expect((await utxo(cb.getId())).status).toBe('orphaned');
    expect((await utxo(pay.getId())).status).toBe('available');
  });

  it('refuses a header with too little work, a wrong parent, wrong bits, a time too far ahead: 422, nothing written', async () => {
    const base = (await tip()).hash as string;
    const height = (await tip()).height as number;
    const make = (mutate: (b: Block) => void, pow = true) => {
      const m = mineBlock(height + 1, base, [
        coinbaseTx(height + 1, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'x'),
      ]);
      mutate(m.block);
      m.block.nonce = 0;
      while (m.block.checkProofOfWork() !== pow) m.block.nonce++;
      return { ...m, hash: m.block.getId() };
    };
    const cases: [string, RegtestBlock, RegExp][] = [
      ['too little work', make(() => {}, false), /proof of work/],
      ['wrong parent', make((b) => (b.prevHash = Buffer.alloc(32, 9))), /parent/],
      ['wrong bits', make((b) => (b.bits = 0x2000ffff)), /retarget rule requires/],
      ['time too far ahead', make((b) => (b.timestamp = Math.floor(Date.now() / 1000) + 7300)), /2 hours/],
    ];
    for (const [name, b, reason] of cases) {
      const before = await t.footprint();
      const r = await t.send(connected(b));
      expect(r.status, name).toBe(422);
      expect(r.json.errors?.[0]?.field, name).toBe('data.header_hex');
      expect(r.json.errors?.[0]?.reason, name).toMatch(reason);
      const after = await t.footprint();
      expect({ ...after, audit_log: 0 }, name).toEqual({ ...before, audit_log: 0 });
    }
    // The database holds the tree's shape too: no header without its parent, no edits.
    const h = 'ab'.repeat(32);
    await expect(
      t.database.db.execute(sql`insert into chain_headers (hash, height, prev_hash, header_hex, time, bits, chainwork)
        values (${h}, 9, ${'cd'.repeat(32)}, ${'00'.repeat(80)}, 1, 1, 1)`),
    ).rejects.toThrow();
    await expect(t.database.db.execute(sql`update chain_headers set height = height`)).rejects.toThrow();
  });
});
