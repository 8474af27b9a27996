import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { BIP34_HEIGHT, parseHeaderHex, verifyTxProof } from '../../../src/chain/spv/index.js';
import { eventsOfBlock } from '../../../src/cli/commands/follow.js';
import { coinbaseTx, mineBlock, paymentTx } from '../../support/regtest.js';

// The follower's pure part: what one block implies, proofs computed from the block's transactions.
describe('reserve fleet follow: events of a block', () => {
  const vaultScript = Buffer.from(`0020${'ab'.repeat(32)}`, 'hex');
  const other = Buffer.from([0x51]);
  const vault = new Map([[vaultScript.toString('hex'), { address: 'bcrt1qvault', site: 'site-a', pool: null }]]);
  const coinbase = coinbaseTx(120, [{ script: vaultScript, valueSat: 5_000_000_000n }]);
  const payment = paymentTx(
    [
      { script: other, valueSat: 1n },
      { script: vaultScript, valueSat: 7n },
    ],
    9,
  );
  const spend = new Transaction();
  spend.version = 2;
  spend.addInput(Buffer.from(payment.getId(), 'hex').reverse(), 1, 0xffffffff, Buffer.from([0x51]));
  spend.addOutput(other, 6n);
  const txs = [coinbase, paymentTx([{ script: other, valueSat: 2n }], 3), payment, spend];
  const mined = mineBlock(120, '00'.repeat(32), txs);

  it('block.connected with the header, then one payout per vault output and a tx.confirmed per spend', () => {
    const coins = new Set<string>();
    const events = eventsOfBlock(mined.block, 120, vault, coins, 'default-site');
    expect(events.map((e) => e.body.type)).toEqual([
      'block.connected',
      'payout.received',
      'payout.received',
      'tx.confirmed',
    ]);
    const header = parseHeaderHex(events[0]!.body.data.header_hex as string);
    expect(header.hash).toBe(mined.hash);
    for (const e of events.slice(1)) {
      const d = e.body.data as { raw_tx_hex: string; tx_index: number; merkle_branch: string[] };
      const proven = verifyTxProof(
        { rawTxHex: d.raw_tx_hex, txIndex: d.tx_index, merkleBranch: d.merkle_branch },
        header,
        120,
        BIP34_HEIGHT.regtest,
      );
      expect(proven.txid).toBe(e.body.data.txid);
    }
    expect(events[1]!.body.data).toMatchObject({
      coinbase: true,
      vout: 0,
      amount_sat: '5000000000',
      site_id: 'site-a',
    });
    expect(events[2]!.body.data).toMatchObject({ coinbase: false, vout: 1, amount_sat: '7', tx_index: 2 });
    expect(coins).toEqual(new Set([`${coinbase.getId()}:0`, `${payment.getId()}:1`]));
  });

  it('the same block gives the same ids and bodies (a re-send after a crash is a replay)', () => {
    const a = eventsOfBlock(mined.block, 120, vault, new Set(), 'x');
    const b = eventsOfBlock(mined.block, 120, vault, new Set(), 'x');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
