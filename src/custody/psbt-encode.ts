import bs58check from 'bs58check';
import type { Transaction } from 'bitcoinjs-lib';
import { parsePath } from '../bitcoin/path.js';
import type { Bip32Derivation, DerivedAddress, MultisigWallet } from './multisig.js';

// The spend's PSBT serialised straight from its parts (BIP-174 v0), byte for byte what bitcoinjs-lib's
// Psbt.toBuffer() gives for the same fields (test/unit/custody/psbt-encode.test.ts compares them on every
// script type): the magic, the global map (unsigned transaction, then every cosigner's xpub), one map per input
// (non_witness_utxo, witness_utxo, sighash type, redeem script, witness script, a derivation per key), one per
// output (change: redeem script, witness script, derivations). Within a map the keys are in byte order, as the
// library sorts them. For 200 inputs this is about 1 ms, where the library's build and serialisation (which
// re-check every script by throwing and catching in its payment parsers) take 20-40. Pure.

export interface EncodedInput {
  derived: DerivedAddress;
  valueSat: bigint;
  /** The previous transaction as it goes in the PSBT (witness stripped), when known. */
  previousTx?: Uint8Array;
}

export interface EncodedOutput {
  /** The vault's own change: its scripts and derivations, so that a device recognises it. */
  change?: DerivedAddress;
}

const SIGHASH_ALL = 1;

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  bytes(b: Uint8Array) {
    this.chunks.push(b);
    this.size += b.length;
  }

  varint(n: number) {
    if (n < 0xfd) return this.bytes(Uint8Array.of(n));
    const b = new Uint8Array(n <= 0xffff ? 3 : 5);
    const view = new DataView(b.buffer);
    if (n <= 0xffff) {
      b[0] = 0xfd;
      view.setUint16(1, n, true);
    } else {
      b[0] = 0xfe;
      view.setUint32(1, n, true);
    }
    this.bytes(b);
  }

  /** One key-value pair: <keylen><key><valuelen><value>. */
  pair(key: Uint8Array, value: Uint8Array) {
    this.varint(key.length);
    this.bytes(key);
    this.varint(value.length);
    this.bytes(value);
  }

  separator() {
    this.bytes(Uint8Array.of(0));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const compareBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);

function uint32s(head: Uint8Array, values: readonly number[]): Uint8Array {
  const out = new Uint8Array(head.length + 4 * values.length);
  out.set(head, 0);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(head.length + 4 * i, v, true));
  return out;
}

// Parsed derivation paths, memoised (a spend from few addresses repeats them).
const parsedPaths = new Map<string, number[]>();
function pathIndexes(path: string): number[] {
  let indexes = parsedPaths.get(path);
  if (!indexes) {
    const parsed = parsePath(path);
    if ('error' in parsed) throw new Error(`derivation path ${path}: ${parsed.error}`);
    indexes = parsed.indexes;
    if (parsedPaths.size > 10_000) parsedPaths.clear();
    parsedPaths.set(path, indexes);
  }
  return indexes;
}

function derivationValue(d: Bip32Derivation): Uint8Array {
  return uint32s(Buffer.from(d.fingerprint, 'hex'), pathIndexes(d.path));
}

/** Key type byte followed by the public key, for every derivation in key order. */
function writeDerivations(w: Writer, type: number, derivations: readonly Bip32Derivation[]) {
  const keyed = derivations.map((d) => {
    const key = new Uint8Array(1 + d.pubkey.length);
    key[0] = type;
    key.set(d.pubkey, 1);
    return { key, d };
  });
  keyed.sort((a, b) => compareBytes(a.key, b.key));
  for (const { key, d } of keyed) w.pair(key, derivationValue(d));
}

const KEY_00 = Uint8Array.of(0x00);
const KEY_01 = Uint8Array.of(0x01);
/** <keylen 1><PSBT_IN_SIGHASH_TYPE><valuelen 4><SIGHASH_ALL as uint32 LE>. */
const SIGHASH_ALL_PAIR = Uint8Array.of(0x01, 0x03, 0x04, SIGHASH_ALL, 0, 0, 0);

// An input map's pairs that depend only on its address (redeem script, witness script, derivations: the last
// keys of the map, 0x04 to 0x06), encoded once per derived address: spends from one address repeat them.
const addressPairsCache = new WeakMap<DerivedAddress, Uint8Array>();
function addressPairs(derived: DerivedAddress): Uint8Array {
  let bytes = addressPairsCache.get(derived);
  if (!bytes) {
    const w = new Writer();
    if (derived.redeemScript) w.pair(Uint8Array.of(0x04), derived.redeemScript);
    w.pair(Uint8Array.of(0x05), derived.witnessScript);
    writeDerivations(w, 0x06, derived.bip32Derivations);
    bytes = w.finish();
    addressPairsCache.set(derived, bytes);
  }
  return bytes;
}

function witnessUtxo(valueSat: bigint, script: Uint8Array): Uint8Array {
  const inner = new Writer();
  const amount = new Uint8Array(8);
  new DataView(amount.buffer).setBigUint64(0, valueSat, true);
  inner.bytes(amount);
  inner.varint(script.length);
  inner.bytes(script);
  return inner.finish();
}

/** The global map's xpub pairs, sorted by key as the library writes them. */
function globalXpubPairs(wallet: MultisigWallet) {
  return wallet.spec.signers
    .map((s) => {
      const xpub = bs58check.decode(s.xpub);
      const key = new Uint8Array(1 + xpub.length);
      key[0] = 0x01;
      key.set(xpub, 1);
      return { key, value: uint32s(Buffer.from(s.fingerprint, 'hex'), s.path) };
    })
    .sort((a, b) => compareBytes(a.key, b.key));
}

export function encodeSpendPsbt(input: {
  wallet: MultisigWallet;
  unsignedTx: Transaction;
  inputs: readonly EncodedInput[];
  outputs: readonly EncodedOutput[];
}): Uint8Array {
  const { unsignedTx } = input;
  if (unsignedTx.ins.length !== input.inputs.length || unsignedTx.outs.length !== input.outputs.length)
    throw new Error('the PSBT maps must match the unsigned transaction');
  if (unsignedTx.ins.some((i) => i.script.length > 0 || i.witness.length > 0))
    throw new Error('the unsigned transaction must carry no scriptSig or witness');
  const w = new Writer();
  w.bytes(Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff));
  w.pair(Uint8Array.of(0x00), unsignedTx.toBuffer());
  for (const { key, value } of globalXpubPairs(input.wallet)) w.pair(key, value);
  w.separator();
  for (const i of input.inputs) {
    if (i.previousTx) w.pair(KEY_00, i.previousTx);
    w.pair(KEY_01, witnessUtxo(i.valueSat, i.derived.scriptPubKey));
    w.bytes(SIGHASH_ALL_PAIR);
    w.bytes(addressPairs(i.derived));
    w.separator();
  }
  for (const o of input.outputs) {
    if (o.change) {
      if (o.change.redeemScript) w.pair(Uint8Array.of(0x00), o.change.redeemScript);
      w.pair(Uint8Array.of(0x01), o.change.witnessScript);
      writeDerivations(w, 0x02, o.change.bip32Derivations);
    }
    w.separator();
  }
  return w.finish();
}
