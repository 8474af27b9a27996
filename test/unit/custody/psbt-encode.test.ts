import { createHash } from 'node:crypto';
import { networks, payments, Psbt, Transaction } from 'bitcoinjs-lib';
import { paymentTx } from '../../../src/bitcoin/regtest.js';
import { describe, expect, it } from 'vitest';
import type { ScriptType } from '../../../src/custody/multisig.js';
import { buildPsbt, encodePsbt, previousTx, type SpendOutput, unsignedTxOf } from '../../../src/custody/psbt.js';
import { fundedCoins, SEEDS, signerOf, testWallet } from '../spends/fixtures.js';

// The spend's PSBT serialised directly (psbt-encode.ts) is byte for byte what bitcoinjs-lib's Psbt builds and
// serialises from the same fields: both script types, 2-of-3 to 9-of-10 (a witness script over 252 bytes, so
// three-byte lengths), previous transactions known or not, with and without change, several outputs.

const outsider = signerOf(SEEDS.abandon, 'p2wsh').root.derivePath("m/84'/1'/0'/0/0");
const external = payments.p2wpkh({ pubkey: outsider.publicKey, network: networks.regtest });
// Ten seeds for the wide wallet: the five published ones, then five made up for this test (test material only).
const TEN = [
  SEEDS.v1,
  SEEDS.v2,
  SEEDS.v3,
  SEEDS.v4,
  SEEDS.abandon,
  ...[1, 2, 3, 4, 5].map((i) => createHash('sha256').update(`reserve psbt-encode test seed ${i}`).digest('hex')),
];

const CASES: { name: string; script: ScriptType; m: number; seeds: string[] }[] = [
  { name: '2-of-3 P2WSH', script: 'p2wsh', m: 2, seeds: TEN.slice(0, 3) },
  { name: '2-of-3 P2SH-P2WSH', script: 'p2sh-p2wsh', m: 2, seeds: TEN.slice(0, 3) },
  { name: '3-of-5 P2WSH', script: 'p2wsh', m: 3, seeds: TEN.slice(0, 5) },
  { name: '9-of-10 P2SH-P2WSH', script: 'p2sh-p2wsh', m: 9, seeds: TEN },
];

describe.each(CASES)('$name PSBT encoding', ({ script, m, seeds }) => {
  const { wallet } = testWallet(script, m, seeds);
  const coins = fundedCoins(wallet, [70_000_000n, 20_000_000n, 5_000_000n]);
  const change = wallet.derive(1, 7);
  const outputs: SpendOutput[] = [
    { address: external.address!, script: external.output!, valueSat: 60_000_000n, label: 'a' },
    {
      address: wallet.derive(0, 40).address,
      script: wallet.derive(0, 40).scriptPubKey,
      valueSat: 1_000_000n,
      label: null,
    },
    {
      address: change.address,
      script: change.scriptPubKey,
      valueSat: 33_990_000n,
      label: 'change',
      change: { chain: 1, index: 7 },
    },
  ];

  const same = (plan: Parameters<typeof buildPsbt>[0]) => {
    const { bytes, unsignedTx } = encodePsbt(plan);
    const reference = buildPsbt(plan);
    expect(Buffer.from(bytes).toString('hex')).toBe(reference.toHex());
    expect(unsignedTx.toHex()).toBe(unsignedTxOf(reference).toHex());
    expect(Psbt.fromBuffer(bytes).txInputs).toHaveLength(plan.inputs.length);
    return bytes;
  };

  it('equals bitcoinjs-lib with previous transactions and change', () => {
    same({ wallet, inputs: coins, outputs, locktime: 812 });
  });
  it('equals bitcoinjs-lib without previous transactions', () => {
    same({ wallet, inputs: coins.map((c) => ({ ...c, prevTxHex: null })), outputs, locktime: 0 });
  });
  it('equals bitcoinjs-lib without change, one input', () => {
    same({ wallet, inputs: coins.slice(0, 1), outputs: outputs.slice(0, 1), locktime: 500_000 });
  });
  it('refuses a coin twice and a change output that is not the vault’s', () => {
    expect(() => encodePsbt({ wallet, inputs: [coins[0]!, coins[0]!], outputs, locktime: 1 })).toThrow(/twice/);
    const wrong = [...outputs.slice(0, 2), { ...outputs[2]!, change: { chain: 1 as const, index: 8 } }];
    expect(() => encodePsbt({ wallet, inputs: coins, outputs: wrong, locktime: 1 })).toThrow(/not the vault/);
  });
});

describe('the previous transaction an input carries (non_witness_utxo)', () => {
  const { wallet } = testWallet('p2wsh', 2, TEN.slice(0, 3));
  const at = wallet.derive(0, 3);
  const tx = paymentTx([{ script: at.scriptPubKey, valueSat: 7_000_000n }], 77);
  tx.ins[0]!.witness = [Buffer.from('0102', 'hex')];
  const coin = {
    txid: tx.getId(),
    vout: 0,
    valueSat: 7_000_000n,
    address: at.address,
    chain: 0 as const,
    index: 3,
    prevTxHex: tx.toHex(),
  };

  it('is kept without its witness, and is still the transaction of the coin', () => {
    expect(tx.hasWitnesses()).toBe(true);
    const kept = Transaction.fromBuffer(Buffer.from(previousTx(coin, at.scriptPubKey)!));
    expect(kept.hasWitnesses()).toBe(false);
    expect(kept.getId()).toBe(coin.txid);
    expect(Buffer.from(previousTx(coin, at.scriptPubKey)!).length).toBeLessThan(tx.toBuffer().length);
  });
  it('refuses one that does not hold the coin: another transaction, another amount, another script, no such output', () => {
    const other = paymentTx([{ script: at.scriptPubKey, valueSat: 7_000_000n }], 78).toHex();
    expect(() => previousTx({ ...coin, prevTxHex: other }, at.scriptPubKey)).toThrow(/does not hold/);
    expect(() => previousTx({ ...coin, valueSat: 6_999_999n }, at.scriptPubKey)).toThrow(/does not hold/);
    expect(() => previousTx(coin, wallet.derive(0, 4).scriptPubKey)).toThrow(/does not hold/);
    expect(() => previousTx({ ...coin, vout: 1 }, at.scriptPubKey)).toThrow(/does not hold/);
    expect(previousTx({ ...coin, prevTxHex: null }, at.scriptPubKey)).toBeUndefined();
  });
});
