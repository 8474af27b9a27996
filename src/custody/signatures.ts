import { Psbt, script as bscript, Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import type { SpendInputContext } from './psbt.js';

// Signature intake from a PSBT a signer returned. Every signature is checked on its own merits: the PSBT must
// describe exactly the spend's unsigned transaction; a signature must be strict DER, low-S, SIGHASH_ALL, from a key
// of its input's witness script and valid for that input's BIP-143 sighash as Reserve computes it. Signatures are
// matched to signers by the script's public keys, never by the bip32_derivation a device returns (Coldcard Q strips
// it). A PSBT with one bad signature is refused whole. Pure.

export type RefusalCode =
  | 'psbt_unreadable'
  | 'psbt_other_transaction'
  | 'sighash_not_all'
  | 'signature_not_der'
  | 'signature_high_s'
  | 'signature_foreign_key'
  | 'signature_invalid'
  | 'witness_script_mismatch';

export class SignatureRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    detail: string,
    readonly input?: number,
  ) {
    super(detail);
  }
}

export interface CollectedSignature {
  input: number;
  pubkey: Uint8Array;
  /** DER signature with its sighash byte, as it goes into the witness. */
  signature: Uint8Array;
  /** The signer this key belongs to, from the vault's own derivation. */
  fingerprint: string;
}

const HALF_ORDER = Buffer.from('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0', 'hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function sighashOf(unsigned: Transaction, contexts: readonly SpendInputContext[], index: number): Uint8Array {
  const c = contexts[index]!;
  return unsigned.hashForWitnessV0(index, c.derived.witnessScript, c.coin.valueSat, Transaction.SIGHASH_ALL);
}

/** Strict DER, low-S, SIGHASH_ALL: the 64-byte compact form, or a refusal. */
export function parseSignature(signature: Uint8Array, input: number): Uint8Array {
  const hashType = signature[signature.length - 1];
  if (hashType !== Transaction.SIGHASH_ALL) {
    throw new SignatureRefusal(
      'sighash_not_all',
      `input ${input}: sighash type 0x${(hashType ?? 0).toString(16)}, only SIGHASH_ALL (0x01) is accepted`,
      input,
    );
  }
  let compact: Uint8Array;
  try {
    compact = bscript.signature.decode(signature).signature; // BIP-66 strict DER
  } catch {
    throw new SignatureRefusal('signature_not_der', `input ${input}: the signature is not strict DER`, input);
  }
  if (Buffer.compare(compact.subarray(32), HALF_ORDER) > 0) {
    throw new SignatureRefusal(
      'signature_high_s',
      `input ${input}: the signature's S is above half the curve order (BIP-146 low-S)`,
      input,
    );
  }
  return compact;
}

function keyOf(context: SpendInputContext, pubkey: Uint8Array, input: number) {
  const key = context.keys.find((k) => Buffer.compare(k.pubkey, pubkey) === 0);
  if (!key)
    throw new SignatureRefusal(
      'signature_foreign_key',
      `input ${input}: key ${hex(pubkey)} is not in the input's script`,
      input,
    );
  return key;
}

function readWitness(bytes: Uint8Array): Uint8Array[] {
  let at = 0;
  const varint = () => {
    const first = bytes[at++]!;
    if (first < 0xfd) return first;
    const width = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
    let n = 0;
    for (let i = 0; i < width; i++) n += bytes[at++]! * 2 ** (8 * i);
    return n;
  };
  const count = varint();
  const items: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const length = varint();
    items.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new Error('trailing bytes');
  return items;
}

/** Signatures of a finalised input: no pubkeys travel with them, so each is matched by trying the script's keys. */
function fromFinalWitness(
  context: SpendInputContext,
  witness: Uint8Array,
  hash: Uint8Array,
  input: number,
): CollectedSignature[] {
  let items: Uint8Array[];
  try {
    items = readWitness(witness);
  } catch {
    throw new SignatureRefusal('psbt_unreadable', `input ${input}: the final witness cannot be read`, input);
  }
  const script = items[items.length - 1];
  if (!script || Buffer.compare(script, context.derived.witnessScript) !== 0) {
    throw new SignatureRefusal(
      'witness_script_mismatch',
      `input ${input}: the final witness is not for the input's script`,
      input,
    );
  }
  return items.slice(1, -1).map((signature) => {
    const compact = parseSignature(signature, input);
    const key = context.keys.find((k) => ecc.verify(hash, k.pubkey, compact, true));
    if (!key)
      throw new SignatureRefusal(
        'signature_invalid',
        `input ${input}: a final-witness signature verifies under no key of the script`,
        input,
      );
    return { input, pubkey: key.pubkey, signature, fingerprint: key.fingerprint };
  });
}

function parsePsbt(bytes: Uint8Array): Psbt {
  try {
    return Psbt.fromBuffer(bytes);
  } catch (error) {
    throw new SignatureRefusal('psbt_unreadable', `not a BIP-174 PSBT: ${(error as Error).message.slice(0, 120)}`);
  }
}

/** Every signature in a returned PSBT, each checked; a refusal when any of them fails. */
export function readSignatures(
  unsigned: Transaction,
  contexts: readonly SpendInputContext[],
  bytes: Uint8Array,
): CollectedSignature[] {
  const psbt = parsePsbt(bytes);
  const theirs = (psbt.data.globalMap.unsignedTx as unknown as { toBuffer(): Uint8Array }).toBuffer();
  if (Buffer.compare(theirs, unsigned.toBuffer()) !== 0) {
    throw new SignatureRefusal('psbt_other_transaction', "the PSBT's unsigned transaction is not this spend's");
  }
  const found: CollectedSignature[] = [];
  psbt.data.inputs.forEach((data, input) => {
    if (data.sighashType !== undefined && data.sighashType !== Transaction.SIGHASH_ALL) {
      throw new SignatureRefusal(
        'sighash_not_all',
        `input ${input}: sighash_type ${data.sighashType}, only SIGHASH_ALL (1) is accepted`,
        input,
      );
    }
    const context = contexts[input]!;
    const hash = sighashOf(unsigned, contexts, input);
    for (const partial of data.partialSig ?? []) {
      const key = keyOf(context, partial.pubkey, input);
      const compact = parseSignature(partial.signature, input);
      if (!ecc.verify(hash, partial.pubkey, compact, true)) {
        throw new SignatureRefusal(
          'signature_invalid',
          `input ${input}: the signature of key ${hex(partial.pubkey)} does not verify for the input's sighash`,
          input,
        );
      }
      found.push({ input, pubkey: partial.pubkey, signature: partial.signature, fingerprint: key.fingerprint });
    }
    if (data.finalScriptWitness) found.push(...fromFinalWitness(context, data.finalScriptWitness, hash, input));
  });
  return found;
}

/** Per input, one signature per key: the union of every upload, the first signature of a key kept. */
export type SignatureSet = Map<number, Map<string, CollectedSignature>>;

export function unionOf(uploads: readonly (readonly CollectedSignature[])[]): SignatureSet {
  const set: SignatureSet = new Map();
  for (const upload of uploads) {
    for (const sig of upload) {
      const forInput = set.get(sig.input) ?? new Map<string, CollectedSignature>();
      if (!forInput.has(hex(sig.pubkey))) forInput.set(hex(sig.pubkey), sig);
      set.set(sig.input, forInput);
    }
  }
  return set;
}

export interface InputProgress {
  input: number;
  signed_by: string[];
  required: number;
}

/** How far each input is: the signers (fingerprints, in script order) whose signatures it holds. */
export function progressOf(contexts: readonly SpendInputContext[], set: SignatureSet): InputProgress[] {
  return contexts.map((c, input) => {
    const held = set.get(input) ?? new Map();
    return {
      input,
      signed_by: c.keys.filter((k) => held.has(hex(k.pubkey))).map((k) => k.fingerprint),
      required: c.threshold,
    };
  });
}

export function isComplete(progress: readonly InputProgress[]): boolean {
  return progress.every((p) => p.signed_by.length >= p.required);
}
