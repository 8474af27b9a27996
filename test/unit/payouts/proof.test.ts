import { networks, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { disproveByRawTx } from '../../../src/payouts/proof.js';
import { coinbaseTx, paymentTx } from '../../support/regtest.js';

const script = payments.p2wsh({ redeem: { output: Buffer.from([0x52, 0x87]) }, network: networks.regtest }).output!;
const other = payments.p2wsh({ redeem: { output: Buffer.from([0x53, 0x87]) }, network: networks.regtest }).output!;

describe('disproveByRawTx', () => {
  const cb = coinbaseTx(
    150,
    [
      { script: other, valueSat: 1n },
      { script, valueSat: 625_000_000n },
    ],
    'proof',
  );
  const claim = { txid: cb.getId(), vout: 1, amountSat: 625_000_000n, coinbase: true, scriptPubKey: script };

  it('accepts a transaction that proves the payout', () => {
    expect(disproveByRawTx(cb.toHex(), claim)).toBeNull();
  });
  it('names what does not match', () => {
    expect(disproveByRawTx(cb.toHex(), { ...claim, txid: 'ab'.repeat(32) })).toMatch(/decodes to txid/);
    expect(disproveByRawTx(cb.toHex(), { ...claim, vout: 2 })).toMatch(/vout 2 does not exist/);
    expect(disproveByRawTx(cb.toHex(), { ...claim, vout: 0 })).toMatch(/another script/);
    expect(disproveByRawTx(cb.toHex(), { ...claim, amountSat: 625_000_001n })).toMatch(/carries 625000000 sat/);
    expect(disproveByRawTx(cb.toHex(), { ...claim, coinbase: false })).toMatch(/is a coinbase/);
    const pay = paymentTx([{ script, valueSat: 5n }]);
    expect(disproveByRawTx(pay.toHex(), { ...claim, txid: pay.getId(), vout: 0, amountSat: 5n })).toMatch(
      /not a coinbase/,
    );
    expect(disproveByRawTx('00', claim)).toMatch(/decode/);
  });
});
