import type { PolicyDocument } from './canonical.js';

// A Caravan (Unchained) wallet configuration file, importable in Caravan's "Import wallet".

const CARAVAN_NETWORK = { bitcoin: 'mainnet', testnet: 'testnet', signet: 'signet', regtest: 'regtest' } as const;
const CARAVAN_ADDRESS_TYPE = { p2wsh: 'P2WSH', 'p2sh-p2wsh': 'P2SH-P2WSH' } as const;

export function caravanConfig(policy: PolicyDocument) {
  return {
    name: policy.name,
    addressType: CARAVAN_ADDRESS_TYPE[policy.script],
    network: CARAVAN_NETWORK[policy.network],
    client: { type: 'public' },
    quorum: { requiredSigners: policy.threshold, totalSigners: policy.signers.length },
    extendedPublicKeys: policy.signers.map((s) => ({
      name: s.name,
      bip32Path: s.path,
      xpub: s.xpub,
      xfp: s.fingerprint,
      method: 'text',
    })),
    startingAddressIndex: 0,
  };
}
