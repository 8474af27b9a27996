import { BIP32Factory, type BIP32Interface } from 'bip32';
import bs58check from 'bs58check';
import { isMainnet, type NetworkName, networkOf } from './networks.js';
import { nativeBackend, tinyBackend } from './secp256k1.js';

function chooseBip32() {
  const native = process.env.RESERVE_SECP256K1 === 'tiny' ? null : nativeBackend();
  if (native) {
    try {
      return { api: BIP32Factory(native), backend: 'libsecp256k1' as const };
    } catch {
      // The self-test failed: fall through to the reference backend.
    }
  }
  return { api: BIP32Factory(tinyBackend), backend: 'tiny-secp256k1' as const };
}

const chosen = chooseBip32();
/** bip32 on the fastest backend that passes its self-test. */
export const bip32 = chosen.api;
export const secp256k1Backend = chosen.backend;

type ScriptHint = 'p2wsh' | 'p2sh-p2wsh' | null;
interface VersionInfo {
  prefix: string;
  mainnet: boolean;
  /** The script a SLIP-132 multisig prefix announces; null for plain xpub/tpub. */
  script: ScriptHint;
}

// SLIP-132 registered version bytes of extended public keys (https://github.com/satoshilabs/slips/blob/master/slip-0132.md).
const PUBLIC_VERSIONS = new Map<number, VersionInfo>([
  [0x0488b21e, { prefix: 'xpub', mainnet: true, script: null }],
  [0x0295b43f, { prefix: 'Ypub', mainnet: true, script: 'p2sh-p2wsh' }],
  [0x02aa7ed3, { prefix: 'Zpub', mainnet: true, script: 'p2wsh' }],
  [0x043587cf, { prefix: 'tpub', mainnet: false, script: null }],
  [0x024289ef, { prefix: 'Upub', mainnet: false, script: 'p2sh-p2wsh' }],
  [0x02575483, { prefix: 'Vpub', mainnet: false, script: 'p2wsh' }],
]);
const SINGLE_SIG_VERSIONS = new Map<number, string>([
  [0x049d7cb2, 'ypub'],
  [0x04b24746, 'zpub'],
  [0x044a5262, 'upub'],
  [0x045f1cf6, 'vpub'],
]);
const PRIVATE_VERSIONS = new Map<number, string>([
  [0x0488ade4, 'xprv'],
  [0x04358394, 'tprv'],
  [0x0295b005, 'Yprv'],
  [0x02aa7a99, 'Zprv'],
  [0x024285b5, 'Uprv'],
  [0x02575048, 'Vprv'],
  [0x049d7878, 'yprv'],
  [0x04b2430c, 'zprv'],
  [0x044a4e28, 'uprv'],
  [0x045f18bc, 'vprv'],
]);
const XPUB_VERSION = 0x0488b21e;
const TPUB_VERSION = 0x043587cf;

export interface ExtendedPublicKey {
  /** The key re-encoded as xpub (mainnet) or tpub (test networks), the form descriptors use. */
  normalized: string;
  /** The prefix it was written with (xpub, tpub, Zpub, Vpub...). */
  prefix: string;
  depth: number;
  /** Child number of the key itself (>= 2^31 when hardened). */
  childNumber: number;
  parentFingerprint: number;
  publicKey: Uint8Array;
  node: BIP32Interface;
}

export type ExtendedKeyResult = { key: ExtendedPublicKey } | { error: string };

/**
 * Decodes an extended public key for a policy on `network` whose script is `script`:
 * base58check, a public (never private) version, the network family, a SLIP-132 script
 * prefix consistent with the policy's script, and a valid curve point.
 */
export function parseExtendedPublicKey(
  text: string,
  network: NetworkName,
  script: 'p2wsh' | 'p2sh-p2wsh',
): ExtendedKeyResult {
  if (typeof text !== 'string' || text.length < 100 || text.length > 120)
    return { error: 'is not an extended public key (expected 111 base58 characters)' };
  let bytes: Uint8Array;
  try {
    bytes = bs58check.decode(text);
  } catch {
    return { error: 'has an invalid base58check checksum or characters' };
  }
  if (bytes.length !== 78) return { error: `decodes to ${bytes.length} bytes, an extended key has 78` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  if (PRIVATE_VERSIONS.has(version))
    return { error: `is a private key (${PRIVATE_VERSIONS.get(version)}); policies hold public keys only` };
  if (SINGLE_SIG_VERSIONS.has(version))
    return {
      error: `is a single-signature ${SINGLE_SIG_VERSIONS.get(version)}; a multisig signer needs an xpub/tpub or a SLIP-132 multisig key (Ypub/Zpub/Upub/Vpub)`,
    };
  const info = PUBLIC_VERSIONS.get(version);
  if (!info) return { error: `has unknown version bytes 0x${version.toString(16).padStart(8, '0')}` };
  if (info.mainnet !== isMainnet(network)) {
    return {
      error: `is a ${info.mainnet ? 'mainnet' : 'test-network'} key (${info.prefix}) but the policy's network is ${network}`,
    };
  }
  if (info.script && info.script !== script)
    return { error: `is a ${info.prefix} (SLIP-132 ${info.script}) key but the policy's script is ${script}` };
  const normalizedBytes = new Uint8Array(bytes);
  new DataView(normalizedBytes.buffer).setUint32(0, info.mainnet ? XPUB_VERSION : TPUB_VERSION);
  const normalized = bs58check.encode(normalizedBytes);
  let node: BIP32Interface;
  try {
    node = bip32.fromBase58(normalized, networkOf(network));
  } catch (error) {
    return { error: `is not a valid extended public key (${(error as Error).message})` };
  }
  return {
    key: {
      normalized,
      prefix: info.prefix,
      depth: node.depth,
      childNumber: node.index,
      parentFingerprint: node.parentFingerprint,
      publicKey: node.publicKey,
      node,
    },
  };
}
