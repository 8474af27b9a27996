import { address as addressCodec, crypto as btcCrypto } from 'bitcoinjs-lib';
import type { BIP32API, BIP32Interface } from 'bip32';
import { bip32 } from '../bitcoin/extended-key.js';
import { type NetworkName, networkOf } from '../bitcoin/networks.js';
import { formatPath } from '../bitcoin/path.js';

// Watch-only m-of-n multisig derivation (BIP-67 sorted keys, P2WSH or P2SH-P2WSH).
// Pure: no database, no HTTP. The chain nodes (account/0 and account/1 of every signer)
// are derived once, so each address costs one child derivation per key.

export type ScriptType = 'p2wsh' | 'p2sh-p2wsh';
export type Chain = 0 | 1;
export const RECEIVE: Chain = 0;
export const CHANGE: Chain = 1;
/** Non-hardened child numbers only: watch-only keys cannot derive hardened children. */
export const MAX_CHILD_INDEX = 0x7fffffff;
const OP_CHECKMULTISIG = 0xae;

export interface WalletSigner {
  /** Master key fingerprint, 8 lowercase hex characters. */
  fingerprint: string;
  /** Child numbers from the master key to the account key (the xpub). */
  path: readonly number[];
  /** Extended public key as xpub/tpub (SLIP-132 forms already normalised). */
  xpub: string;
}

export interface WalletSpec {
  network: NetworkName;
  script: ScriptType;
  threshold: number;
  signers: readonly WalletSigner[];
}

export interface Bip32Derivation {
  fingerprint: string;
  /** Full path from the master key: m/48'/1'/0'/2'/0/5. */
  path: string;
  pubkey: Uint8Array;
}

export interface DerivedAddress {
  address: string;
  chain: Chain;
  index: number;
  witnessScript: Uint8Array;
  scriptPubKey: Uint8Array;
  /** P2SH-P2WSH only: the P2WSH program the P2SH hash commits to. */
  redeemScript?: Uint8Array;
  /** One per key, in the order the keys appear in the witness script. */
  bip32Derivations: Bip32Derivation[];
}

/** BIP-67: keys sorted by their compressed serialisation, byte by byte. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function pushSmallNumber(n: number): number[] {
  // OP_1..OP_16, else a one-byte push (17..20 keys are allowed in P2WSH).
  return n <= 16 ? [0x50 + n] : [0x01, n];
}

/** `OP_m <key>... OP_n OP_CHECKMULTISIG` over keys in the order given (sort them first for sortedmulti). */
export function multisigScript(threshold: number, pubkeys: readonly Uint8Array[]): Uint8Array {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > pubkeys.length || pubkeys.length > 20) {
    throw new Error(`invalid multisig: ${threshold} of ${pubkeys.length}`);
  }
  const parts: number[] = [...pushSmallNumber(threshold)];
  for (const key of pubkeys) {
    if (key.length !== 33 || (key[0] !== 2 && key[0] !== 3))
      throw new Error('multisig keys must be compressed public keys');
    parts.push(33, ...key);
  }
  parts.push(...pushSmallNumber(pubkeys.length), OP_CHECKMULTISIG);
  return Uint8Array.from(parts);
}

function witnessProgram(witnessScript: Uint8Array): Uint8Array {
  const program = new Uint8Array(34);
  program[0] = 0x00;
  program[1] = 0x20;
  program.set(btcCrypto.sha256(witnessScript), 2);
  return program;
}

/** The output script, address and (for P2SH-P2WSH) redeem script paying to a witness script. */
export function scriptsFor(witnessScript: Uint8Array, script: ScriptType, network: NetworkName) {
  const params = networkOf(network);
  const program = witnessProgram(witnessScript);
  if (script === 'p2wsh') {
    return { scriptPubKey: program, address: addressCodec.toBech32(program.subarray(2), 0, params.bech32) };
  }
  const hash = btcCrypto.hash160(program);
  const scriptPubKey = new Uint8Array(23);
  scriptPubKey[0] = 0xa9;
  scriptPubKey[1] = 0x14;
  scriptPubKey.set(hash, 2);
  scriptPubKey[22] = 0x87;
  return { scriptPubKey, address: addressCodec.toBase58Check(hash, params.scriptHash), redeemScript: program };
}

/** A policy's key set, ready to derive addresses on its receive and change chains. */
export class MultisigWallet {
  private readonly chainNodes: [BIP32Interface[], BIP32Interface[]];

  /** `api`: the bip32 implementation (default: the fastest backend that passed its self-test). */
  constructor(
    readonly spec: WalletSpec,
    api: BIP32API = bip32,
  ) {
    if (spec.signers.length < 1 || spec.signers.length > 20) throw new Error('a multisig wallet has 1 to 20 signers');
    const accounts = spec.signers.map((s) => api.fromBase58(s.xpub, networkOf(spec.network)));
    this.chainNodes = [accounts.map((a) => a.derive(RECEIVE)), accounts.map((a) => a.derive(CHANGE))];
  }

  derive(chain: Chain, index: number): DerivedAddress {
    if (chain !== 0 && chain !== 1) throw new Error('chain must be 0 (receive) or 1 (change)');
    if (!Number.isInteger(index) || index < 0 || index > MAX_CHILD_INDEX)
      throw new Error(`index must be 0-${MAX_CHILD_INDEX}`);
    const nodes = this.chainNodes[chain];
    const keyed = nodes.map((node, i) => ({ pubkey: node.derive(index).publicKey, signer: this.spec.signers[i]! }));
    keyed.sort((a, b) => compareKeys(a.pubkey, b.pubkey));
    for (let i = 1; i < keyed.length; i++) {
      // Two signers yielding one key would silently lower the m-of-n: refuse it.
      if (compareKeys(keyed[i - 1]!.pubkey, keyed[i]!.pubkey) === 0)
        throw new Error(`two signers derive the same key at ${chain}/${index}`);
    }
    const witnessScript = multisigScript(
      this.spec.threshold,
      keyed.map((k) => k.pubkey),
    );
    const { scriptPubKey, address, redeemScript } = scriptsFor(witnessScript, this.spec.script, this.spec.network);
    return {
      address,
      chain,
      index,
      witnessScript,
      scriptPubKey,
      ...(redeemScript ? { redeemScript } : {}),
      bip32Derivations: keyed.map((k) => ({
        fingerprint: k.signer.fingerprint,
        path: formatPath([...k.signer.path, chain, index]),
        pubkey: k.pubkey,
      })),
    };
  }
}
