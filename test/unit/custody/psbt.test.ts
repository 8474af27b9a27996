import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Transaction as ScureTransaction } from '@scure/btc-signer';
import { networks, payments, Psbt, script as bscript, Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { composeSpend, type Destination, selectionParams } from '../../../src/custody/compose.js';
import { finalise } from '../../../src/custody/finalise.js';
import type { ScriptType } from '../../../src/custody/multisig.js';
import { selectCoins } from '../../../src/custody/selection.js';
import { isComplete, progressOf, readSignatures, SignatureRefusal, unionOf } from '../../../src/custody/signatures.js';
import { fundedCoins, SEEDS, signerOf, signWithBitcoinjs, signWithScure, testWallet } from '../spends/fixtures.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
// An external destination: a P2WPKH address of a key no cosigner holds.
const outsider = signerOf(SEEDS.abandon, 'p2wsh').root.derivePath("m/84'/1'/0'/0/0");
const externalScript = payments.p2wpkh({ pubkey: outsider.publicKey, network: networks.regtest }).output!;
const externalAddress = payments.p2wpkh({ pubkey: outsider.publicKey, network: networks.regtest }).address!;

const CASES: { name: string; script: ScriptType; m: number; seeds: string[] }[] = [
  { name: '2-of-3 P2WSH', script: 'p2wsh', m: 2, seeds: [SEEDS.v1, SEEDS.v2, SEEDS.v4] },
  { name: '2-of-3 P2SH-P2WSH', script: 'p2sh-p2wsh', m: 2, seeds: [SEEDS.v1, SEEDS.v2, SEEDS.v4] },
  { name: '3-of-5 P2WSH', script: 'p2wsh', m: 3, seeds: [SEEDS.v1, SEEDS.v2, SEEDS.v3, SEEDS.v4, SEEDS.abandon] },
];

function scenario(script: ScriptType, m: number, seeds: string[], amountSat = 150_000_000n) {
  const { wallet, signers } = testWallet(script, m, seeds);
  const coins = fundedCoins(wallet, [100_000_000n, 80_000_000n, 30_000_000n, 5_000_000n]);
  const changeDerived = wallet.derive(1, 0);
  const change = { address: changeDerived.address, script: changeDerived.scriptPubKey, chain: 1 as const, index: 0 };
  const destinations: Destination[] = [
    { address: externalAddress, script: externalScript, valueSat: amountSat, label: 'grid operator' },
  ];
  const params = selectionParams({ wallet, destinations, change, feeRateMsatVb: 12_500n, maxInputs: 500 });
  const funding = selectCoins(coins, params);
  const spend = composeSpend({
    wallet,
    policyId: 'test',
    policyVersion: 1,
    funding,
    destinations,
    change,
    locktime: 812,
  });
  return { wallet, signers, coins, spend };
}

/** Verifies every witness signature with @noble/curves against @scure/btc-signer's own BIP-143 sighash. */
function verifyWithScure(rawHex: string, spend: ReturnType<typeof scenario>['spend']) {
  const tx = ScureTransaction.fromRaw(Buffer.from(rawHex, 'hex'), { allowUnknownOutputs: true });
  spend.contexts.forEach((c, i) => {
    const witness = tx.getInput(i).finalScriptWitness!;
    expect(witness[0]).toHaveLength(0);
    expect(hex(witness[witness.length - 1]!)).toBe(hex(c.derived.witnessScript));
    const sigs = witness.slice(1, -1);
    expect(sigs).toHaveLength(c.threshold);
    const hash = tx.preimageWitnessV0(i, c.derived.witnessScript, 1, c.coin.valueSat);
    // Witness order is script order: each signature under a key later in the script than the previous one.
    let last = -1;
    for (const sig of sigs) {
      expect(sig[sig.length - 1]).toBe(1);
      const der = sig.subarray(0, -1);
      const at = c.keys.findIndex((k) => secp256k1.verify(der, hash, k.pubkey, { prehash: false, format: 'der' }));
      expect(at).toBeGreaterThan(last);
      last = at;
    }
  });
}

describe.each(CASES)('$name spend signed by two independent implementations', ({ script, m, seeds }) => {
  it('collects signatures in any order from bitcoinjs-lib and @scure/btc-signer wallets and finalises the predicted tx', () => {
    const { signers, coins, spend } = scenario(script, m, seeds);
    const base = spend.psbt;
    // Signer 0 and 2 use bitcoinjs-lib, the others @scure/btc-signer; uploads go last-first, one twice.
    const signed = signers.map((s, i) => (i % 2 === 0 ? signWithBitcoinjs(base, s) : signWithScure(base, s)));
    const order = [...signed.keys()].reverse().slice(0, m);
    const uploads: ReturnType<typeof readSignatures>[] = [];
    for (const [step, i] of order.entries()) {
      uploads.push(readSignatures(spend.unsignedTx, spend.contexts, signed[i]!));
      if (step === 0) uploads.push(readSignatures(spend.unsignedTx, spend.contexts, signed[i]!)); // same signer again
      const progress = progressOf(spend.contexts, unionOf(uploads));
      expect(progress.every((p) => p.signed_by.length === step + 1)).toBe(true);
      expect(isComplete(progress)).toBe(step + 1 === m);
    }
    const final = finalise(spend.unsignedTx, spend.contexts, unionOf(uploads));
    const inputsSat = spend.funding.inputs.reduce((s, c) => s + c.valueSat, 0n);
    const outputsSat = final.tx.outs.reduce((s, o) => s + o.value, 0n);
    expect(final.txid).toBe(spend.txid);
    expect(inputsSat - outputsSat).toBe(spend.funding.feeSat);
    expect(final.vsize).toBe(spend.funding.vsize);
    expect(final.tx.ins.map((i) => i.sequence)).toEqual(spend.funding.inputs.map(() => 0xfffffffd));
    expect(final.tx.locktime).toBe(812);
    expect(coins.length).toBeGreaterThan(spend.funding.inputs.length);
    verifyWithScure(final.hex, spend);
  });

  it('a PSBT combined by the signers themselves gives the same signatures as separate uploads', () => {
    const { signers, spend } = scenario(script, m, seeds);
    const base = spend.psbt;
    const combined = Psbt.fromBuffer(signWithBitcoinjs(base, signers[0]!));
    combined.combine(Psbt.fromBuffer(signWithScure(base, signers[1]!)));
    const sigs = readSignatures(spend.unsignedTx, spend.contexts, combined.toBuffer());
    expect(sigs).toHaveLength(2 * spend.contexts.length);
  });
});

describe('signature refusals', () => {
  const { wallet, signers, spend } = scenario('p2wsh', 2, [SEEDS.v1, SEEDS.v2, SEEDS.v4]);
  const base = spend.psbt;
  const refusal = (bytes: Uint8Array) => {
    try {
      readSignatures(spend.unsignedTx, spend.contexts, bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(SignatureRefusal);
      return (error as SignatureRefusal).code;
    }
    return 'accepted';
  };
  const keyFor = (signerIndex: number, input: number) => {
    const path = spend.contexts[input]!.keys.find((k) => k.fingerprint === signers[signerIndex]!.fingerprint)!.path;
    return signers[signerIndex]!.root.derivePath(path);
  };
  const withPartialSig = (input: number, pubkey: Uint8Array, signature: Uint8Array) => {
    const psbt = Psbt.fromBuffer(base);
    psbt.updateInput(input, { partialSig: [{ pubkey, signature }] });
    return psbt.toBuffer();
  };
  const hash0 = spend.unsignedTx.hashForWitnessV0(
    0,
    spend.contexts[0]!.derived.witnessScript,
    spend.contexts[0]!.coin.valueSat,
    Transaction.SIGHASH_ALL,
  );

  it('accepts an honest signature (the control)', () => {
    expect(refusal(signWithBitcoinjs(base, signers[0]!))).toBe('accepted');
  });

  it('refuses the PSBT of another transaction', () => {
    const other = composeSpend({
      wallet,
      policyId: 'test',
      policyVersion: 1,
      funding: spend.funding,
      destinations: [{ address: externalAddress, script: externalScript, valueSat: 150_000_000n, label: null }],
      change: { address: wallet.derive(1, 1).address, script: wallet.derive(1, 1).scriptPubKey, chain: 1, index: 1 },
      locktime: 812,
    });
    expect(refusal(signWithBitcoinjs(other.psbt, signers[0]!))).toBe('psbt_other_transaction');
    expect(refusal(Buffer.from('not a psbt'))).toBe('psbt_unreadable');
  });

  it('refuses a signature from a key outside the script', () => {
    const foreign = outsider;
    const sig = bscript.signature.encode(foreign.sign(hash0), Transaction.SIGHASH_ALL);
    expect(refusal(withPartialSig(0, foreign.publicKey, sig))).toBe('signature_foreign_key');
  });

  it('refuses a forged signature: a cosigner key signing another message', () => {
    const key = keyFor(0, 0);
    const sig = bscript.signature.encode(key.sign(Buffer.alloc(32, 7)), Transaction.SIGHASH_ALL);
    expect(refusal(withPartialSig(0, key.publicKey, sig))).toBe('signature_invalid');
    // A signature valid for input 1 does not pass for input 0.
    const hash1 = spend.unsignedTx.hashForWitnessV0(
      1,
      spend.contexts[1]!.derived.witnessScript,
      spend.contexts[1]!.coin.valueSat,
      Transaction.SIGHASH_ALL,
    );
    const k1 = keyFor(0, 1);
    const other = bscript.signature.encode(k1.sign(hash1), Transaction.SIGHASH_ALL);
    expect(refusal(withPartialSig(0, k1.publicKey, other))).toMatch(/signature_(invalid|foreign_key)/);
  });

  it('refuses SIGHASH_NONE, even when the signature is valid for it', () => {
    const key = keyFor(0, 0);
    const hashNone = spend.unsignedTx.hashForWitnessV0(
      0,
      spend.contexts[0]!.derived.witnessScript,
      spend.contexts[0]!.coin.valueSat,
      Transaction.SIGHASH_NONE,
    );
    const sig = bscript.signature.encode(key.sign(hashNone), Transaction.SIGHASH_NONE);
    expect(refusal(withPartialSig(0, key.publicKey, sig))).toBe('sighash_not_all');
    const psbt = Psbt.fromBuffer(base);
    psbt.data.inputs[0]!.sighashType = Transaction.SIGHASH_NONE;
    expect(refusal(psbt.toBuffer())).toBe('sighash_not_all');
  });

  it('refuses a high-S signature (the valid signature negated)', () => {
    const key = keyFor(0, 0);
    const compact = Buffer.from(key.sign(hash0));
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt(`0x${compact.subarray(32).toString('hex')}`);
    const high = Buffer.concat([compact.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
    const sig = bscript.signature.encode(high, Transaction.SIGHASH_ALL);
    expect(refusal(withPartialSig(0, key.publicKey, sig))).toBe('signature_high_s');
  });

  it('refuses non-DER signature bytes', () => {
    const key = keyFor(0, 0);
    const compact = Buffer.from(key.sign(hash0));
    // bitcoinjs-lib refuses to put such bytes in a PSBT through its API: write the field directly.
    const psbt = Psbt.fromBuffer(base);
    psbt.data.inputs[0]!.partialSig = [
      { pubkey: key.publicKey, signature: Buffer.concat([compact, Buffer.from([1])]) },
    ];
    expect(refusal(psbt.toBuffer())).toBe('signature_not_der');
  });

  it('reads signatures out of a PSBT a wallet finalised itself, matched by script keys', () => {
    const psbt = Psbt.fromBuffer(signWithBitcoinjs(base, signers[0]!));
    psbt.combine(Psbt.fromBuffer(signWithBitcoinjs(base, signers[2]!)));
    psbt.finalizeAllInputs();
    const sigs = readSignatures(spend.unsignedTx, spend.contexts, psbt.toBuffer());
    expect(new Set(sigs.map((s) => s.fingerprint))).toEqual(
      new Set([signers[0]!.fingerprint, signers[2]!.fingerprint]),
    );
    const final = finalise(spend.unsignedTx, spend.contexts, unionOf([sigs]));
    expect(final.hex).toBe(psbt.extractTransaction().toHex());
  });
});
