import { script as bscript, type Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import type { SpendInputContext } from './psbt.js';
import { parseSignature, type SignatureSet, sighashOf } from './signatures.js';

// Finalisation: for every input the threshold's signatures in the order OP_CHECKMULTISIG consumes them (the
// order of their keys in the script), behind the empty item it pops by mistake, then the witness script; the
// P2SH-P2WSH redeem script in the scriptSig. The result is then checked as a node would check it. Pure.

export interface FinalTransaction {
  tx: Transaction;
  hex: string;
  txid: string;
  weight: number;
  vsize: number;
}

export function finalise(
  unsigned: Transaction,
  contexts: readonly SpendInputContext[],
  set: SignatureSet,
): FinalTransaction {
  const tx = unsigned.clone();
  contexts.forEach((c, input) => {
    const held = set.get(input) ?? new Map();
    const sigs = c.keys
      .map((k) => held.get(Buffer.from(k.pubkey).toString('hex'))?.signature)
      .filter((s): s is Uint8Array => s !== undefined)
      .slice(0, c.threshold);
    if (sigs.length < c.threshold) throw new Error(`input ${input} holds ${sigs.length} of ${c.threshold} signatures`);
    tx.ins[input]!.witness = [new Uint8Array(0), ...sigs, c.derived.witnessScript];
    if (c.derived.redeemScript) tx.ins[input]!.script = bscript.compile([c.derived.redeemScript]);
  });
  verifyFinal(tx, contexts);
  return { tx, hex: tx.toHex(), txid: tx.getId(), weight: tx.weight(), vsize: tx.virtualSize() };
}

/** Checks every input as OP_CHECKMULTISIG would: m signatures, each under a key later in the script than the last. */
export function verifyFinal(tx: Transaction, contexts: readonly SpendInputContext[]): void {
  const unsigned = tx.clone();
  for (const input of unsigned.ins) {
    input.witness = [];
    input.script = new Uint8Array(0);
  }
  contexts.forEach((c, input) => {
    const witness = tx.ins[input]!.witness;
    const expectedSig = c.derived.redeemScript ? bscript.compile([c.derived.redeemScript]) : new Uint8Array(0);
    if (Buffer.compare(tx.ins[input]!.script, expectedSig) !== 0) throw new Error(`input ${input}: wrong scriptSig`);
    if (witness.length !== c.threshold + 2 || witness[0]!.length !== 0)
      throw new Error(`input ${input}: wrong witness shape`);
    if (Buffer.compare(witness[witness.length - 1]!, c.derived.witnessScript) !== 0)
      throw new Error(`input ${input}: wrong witness script`);
    const hash = sighashOf(unsigned, contexts, input);
    let key = 0;
    for (const signature of witness.slice(1, -1)) {
      const compact = parseSignature(signature, input);
      while (key < c.keys.length && !ecc.verify(hash, c.keys[key]!.pubkey, compact, true)) key++;
      if (key === c.keys.length) throw new Error(`input ${input}: signatures out of script order or invalid`);
      key++;
    }
  });
}
