import { RawPSBTV0 } from '@scure/btc-signer/psbt.js';
import { RawTx, Transaction as ScureTransaction } from '@scure/btc-signer';
import bs58check from 'bs58check';
import { networks, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { composeSpend, type Destination, selectionParams } from '../../../src/custody/compose.js';
import type { ScriptType } from '../../../src/custody/multisig.js';
import { selectCoins } from '../../../src/custody/selection.js';
import { fundedCoins, SEEDS, signerOf, testWallet } from '../spends/fixtures.js';

// The PSBT read by a second implementation (@scure/btc-signer's own BIP-174 decoder): every field a signing
// device needs is there, for every input and for the change output.

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const H = 0x80000000;
const dest = payments.p2wpkh({
  pubkey: signerOf(SEEDS.abandon, 'p2wsh').root.derivePath("m/84'/1'/0'/0/0").publicKey,
  network: networks.regtest,
});

describe.each(['p2wsh', 'p2sh-p2wsh'] as ScriptType[])('%s PSBT fields', (script) => {
  const { wallet, signers } = testWallet(script, 2, [SEEDS.v1, SEEDS.v2, SEEDS.v4]);
  const coins = fundedCoins(wallet, [60_000_000n, 50_000_000n, 1_000_000n]);
  const change = {
    address: wallet.derive(1, 4).address,
    script: wallet.derive(1, 4).scriptPubKey,
    chain: 1 as const,
    index: 4,
  };
  const destinations: Destination[] = [
    { address: dest.address!, script: dest.output!, valueSat: 100_000_000n, label: null },
  ];
  const funding = selectCoins(
    coins,
    selectionParams({ wallet, destinations, change, feeRateMsatVb: 2000n, maxInputs: 500 }),
  );
  const spend = composeSpend({ wallet, policyId: 'p', policyVersion: 1, funding, destinations, change, locktime: 901 });
  const bytes = spend.psbt;
  const raw = RawPSBTV0.decode(bytes);
  const tx = ScureTransaction.fromPSBT(bytes);
  const account = script === 'p2wsh' ? [48 + H, 1 + H, 0 + H, 2 + H] : [48 + H, 1 + H, 0 + H, 1 + H];

  it('global: unsigned tx version 2, nLockTime the tip, one PSBT_GLOBAL_XPUB per cosigner', () => {
    expect(tx.lockTime).toBe(901);
    expect(raw.global.unsignedTx!.version).toBe(2);
    const xpubs = raw.global.xpub ?? [];
    expect(xpubs).toHaveLength(3);
    for (const signer of signers) {
      const decoded = Buffer.from(bs58check.decode(signer.xpub));
      const entry = xpubs.find(([, origin]) => origin.fingerprint === Number.parseInt(signer.fingerprint, 16));
      expect(entry).toBeDefined();
      const [key, origin] = entry!;
      expect(origin.path).toEqual(account);
      expect(hex(key.publicKey)).toBe(hex(decoded.subarray(45)));
      expect(hex(key.chainCode)).toBe(hex(decoded.subarray(13, 45)));
      expect(key.depth).toBe(4);
    }
  });

  it('every input: witness_utxo, non_witness_utxo, witness_script, redeem_script, a derivation per cosigner, SIGHASH_ALL, RBF', () => {
    expect(tx.inputsLength).toBe(funding.inputs.length);
    for (let i = 0; i < tx.inputsLength; i++) {
      const input = tx.getInput(i);
      const coin = funding.inputs[i]!;
      const derived = wallet.derive(coin.chain, coin.index);
      expect(input.sequence).toBe(0xfffffffd);
      expect(input.witnessUtxo!.amount).toBe(coin.valueSat);
      expect(hex(input.witnessUtxo!.script)).toBe(hex(derived.scriptPubKey));
      expect(input.nonWitnessUtxo).toBeDefined();
      const prev = ScureTransaction.fromRaw(RawTx.encode(input.nonWitnessUtxo!), { allowUnknownOutputs: true });
      expect(prev.id).toBe(coin.txid);
      expect(input.nonWitnessUtxo!.outputs[coin.vout]!.amount).toBe(coin.valueSat);
      expect(hex(input.witnessScript!)).toBe(hex(derived.witnessScript));
      if (script === 'p2sh-p2wsh') expect(hex(input.redeemScript!)).toBe(hex(derived.redeemScript!));
      else expect(input.redeemScript).toBeUndefined();
      expect(input.sighashType).toBe(1);
      const derivations = input.bip32Derivation ?? [];
      expect(derivations).toHaveLength(3);
      for (const signer of signers) {
        const found = derivations.find(([, o]) => o.fingerprint === Number.parseInt(signer.fingerprint, 16));
        expect(found![1].path).toEqual([...account, coin.chain, coin.index]);
        let node = signer.root;
        for (const step of found![1].path) node = node.derive(step);
        expect(hex(found![0])).toBe(hex(node.publicKey));
      }
    }
  });

  it('the change output carries its witness script, redeem script and every cosigner derivation; the destination none', () => {
    expect(tx.outputsLength).toBe(2);
    const external = tx.getOutput(0);
    expect(external.bip32Derivation).toBeUndefined();
    const out = tx.getOutput(1);
    const derived = wallet.derive(1, 4);
    expect(out.amount).toBe(funding.changeSat);
    expect(hex(out.script!)).toBe(hex(derived.scriptPubKey));
    expect(hex(out.witnessScript!)).toBe(hex(derived.witnessScript));
    if (script === 'p2sh-p2wsh') expect(hex(out.redeemScript!)).toBe(hex(derived.redeemScript!));
    expect(out.bip32Derivation).toHaveLength(3);
    for (const [pubkey, origin] of out.bip32Derivation!) {
      expect(origin.path).toEqual([...account, 1, 4]);
      expect(derived.bip32Derivations.some((d) => hex(d.pubkey) === hex(pubkey))).toBe(true);
    }
  });
});
