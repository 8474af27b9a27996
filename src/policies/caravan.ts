import type { PolicyDocument } from './canonical.js';

// A Caravan (Unchained) wallet configuration file, importable in Caravan's "Import wallet".
// No `client` (a public client would send every vault address to a public block explorer) and
// no per-key `method`: both optional for external coordinators since Caravan PR #147 (issue #139);
// Caravan asks for them on import. Regtest is named "regtest" (Caravan's own network name), which
// only a Caravan connected to a private node can use; see docs/policies.md.

const CARAVAN_NETWORK = { bitcoin: 'mainnet', testnet: 'testnet', signet: 'signet', regtest: 'regtest' } as const;
const CARAVAN_ADDRESS_TYPE = { p2wsh: 'P2WSH', 'p2sh-p2wsh': 'P2SH-P2WSH' } as const;

export function caravanConfig(policy: PolicyDocument) {
  return {
    name: policy.name,
    addressType: CARAVAN_ADDRESS_TYPE[policy.script],
    network: CARAVAN_NETWORK[policy.network],
    quorum: { requiredSigners: policy.threshold, totalSigners: policy.signers.length },
    extendedPublicKeys: policy.signers.map((s) => ({
      name: s.name,
      bip32Path: s.path,
      xpub: s.xpub,
      xfp: s.fingerprint,
    })),
    startingAddressIndex: 0,
  };
}
