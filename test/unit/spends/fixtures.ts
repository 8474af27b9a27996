import { BIP32Factory, type BIP32Interface } from 'bip32';
import { networks, Psbt, Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Transaction as ScureTransaction } from '@scure/btc-signer';
import { HARDENED } from '../../../src/bitcoin/path.js';
import { paymentTx } from '../../../src/bitcoin/regtest.js';
import { MultisigWallet, type ScriptType } from '../../../src/custody/multisig.js';
import type { SpendCoin } from '../../../src/custody/psbt.js';

// Signers from PUBLISHED test seeds (BIP-32 test vectors 1-4 and the BIP-39 "abandon ... about" mnemonic),
// the keys behind policies/regtest-*.yaml. Test material only.

const bip32 = BIP32Factory(ecc);

export const SEEDS = {
  v1: '000102030405060708090a0b0c0d0e0f',
  v2: 'fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542',
  v4: '3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678',
  v3: '4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be',
  abandon:
    '5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4',
} as const;

export const ACCOUNT_PATHS: Record<ScriptType, number[]> = {
  p2wsh: [48 + HARDENED, 1 + HARDENED, 0 + HARDENED, 2 + HARDENED],
  'p2sh-p2wsh': [48 + HARDENED, 1 + HARDENED, 0 + HARDENED, 1 + HARDENED],
};

export interface TestSigner {
  root: BIP32Interface;
  fingerprint: string;
  path: number[];
  xpub: string;
}

export function signerOf(seedHex: string, script: ScriptType): TestSigner {
  const root = bip32.fromSeed(Buffer.from(seedHex, 'hex'), networks.regtest);
  root.lowR = true; // Bitcoin Core and libsecp256k1 signers grind R: 71-byte signature items
  const path = ACCOUNT_PATHS[script];
  let account = root;
  for (const i of path) account = account.derive(i);
  return {
    root,
    fingerprint: Buffer.from(root.fingerprint).toString('hex'),
    path,
    xpub: account.neutered().toBase58(),
  };
}

export function testWallet(script: ScriptType, threshold: number, seeds: readonly string[]) {
  const signers = seeds.map((s) => signerOf(s, script));
  const wallet = new MultisigWallet({
    network: 'regtest',
    script,
    threshold,
    signers: signers.map(({ fingerprint, path, xpub }) => ({ fingerprint, path, xpub })),
  });
  return { wallet, signers };
}

/** Coins of the wallet at receive indexes, each in its own regtest payment transaction (previous tx known). */
export function fundedCoins(wallet: MultisigWallet, values: readonly bigint[], firstIndex = 0): SpendCoin[] {
  return values.map((valueSat, i) => {
    const derived = wallet.derive(0, firstIndex + i);
    const tx = paymentTx(
      [
        { script: Buffer.from([0x51]), valueSat: 1000n },
        { script: derived.scriptPubKey, valueSat },
      ],
      1000 + firstIndex + i,
    );
    return {
      txid: tx.getId(),
      vout: 1,
      valueSat,
      address: derived.address,
      chain: 0,
      index: firstIndex + i,
      prevTxHex: tx.toHex(),
    };
  });
}

/** A signer's wallet software built on bitcoinjs-lib: signs every input its master key has a derivation in. */
export function signWithBitcoinjs(psbtBytes: Uint8Array, signer: TestSigner): Uint8Array {
  const psbt = Psbt.fromBuffer(psbtBytes, { network: networks.regtest });
  psbt.data.inputs.forEach((input, i) => {
    for (const d of input.bip32Derivation ?? []) {
      if (Buffer.from(d.masterFingerprint).toString('hex') !== signer.fingerprint) continue;
      const node = signer.root.derivePath(d.path);
      node.lowR = true; // bip32 children do not inherit the flag (signAllInputsHD would sign without grinding)
      psbt.signInput(i, node);
    }
  });
  return psbt.toBuffer();
}

/** A second, independent implementation (@scure/btc-signer): sighash, ECDSA and PSBT serialisation are its own. */
export function signWithScure(psbtBytes: Uint8Array, signer: TestSigner): Uint8Array {
  const tx = ScureTransaction.fromPSBT(psbtBytes, { lowR: true });
  const fp = Number.parseInt(signer.fingerprint, 16);
  for (let i = 0; i < tx.inputsLength; i++) {
    for (const [, { fingerprint, path }] of tx.getInput(i).bip32Derivation ?? []) {
      if (fingerprint !== fp) continue;
      let node = signer.root;
      for (const step of path) node = node.derive(step);
      tx.signIdx(node.privateKey!, i);
    }
  }
  return tx.toPSBT(0);
}

export { Transaction };

/**
 * Checks a final transaction with a second implementation: @scure/btc-signer computes each input's BIP-143
 * sighash (from the PSBT's witness_utxo), @noble/curves verifies every witness signature, each under a key
 * later in the witness script than the previous one (the order OP_CHECKMULTISIG needs). Returns the count.
 */
export function verifyFinalWithScure(rawTx: Uint8Array, psbt: Uint8Array): number {
  const unsigned = ScureTransaction.fromPSBT(psbt);
  const tx = ScureTransaction.fromRaw(rawTx, { allowUnknownOutputs: true });
  let verified = 0;
  for (let i = 0; i < tx.inputsLength; i++) {
    const witness = tx.getInput(i).finalScriptWitness!;
    const script = witness[witness.length - 1]!;
    const keys: Uint8Array[] = [];
    for (let at = 1; at + 34 <= script.length - 2; at += 34) keys.push(script.subarray(at + 1, at + 34));
    const hash = tx.preimageWitnessV0(i, script, 1, unsigned.getInput(i).witnessUtxo!.amount);
    let last = -1;
    for (const sig of witness.slice(1, -1)) {
      if (sig[sig.length - 1] !== 1) throw new Error(`input ${i}: not SIGHASH_ALL`);
      const at = keys.findIndex(
        (k, n) => n > last && secp256k1.verify(sig.subarray(0, -1), hash, k, { prehash: false, format: 'der' }),
      );
      if (at < 0) throw new Error(`input ${i}: a signature does not verify in script order`);
      last = at;
      verified++;
    }
  }
  return verified;
}
