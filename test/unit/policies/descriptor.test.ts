import { describe, expect, it } from 'vitest';
import { verifyDescriptorChecksum } from '../../../src/bitcoin/descriptor-checksum.js';
import { caravanConfig } from '../../../src/policies/caravan.js';
import { coreImportDescriptors } from '../../../src/policies/core-export.js';
import { policyDocument } from '../../../src/policies/canonical.js';
import { policyDescriptors } from '../../../src/policies/descriptor.js';
import { loadPoliciesDir } from '../../../src/policies/load.js';

const EXAMPLE_POLICIES_DIR = new URL('../../../policies', import.meta.url).pathname;

// The krux project's published 2-of-3 testnet wallet (selfcustody/krux tests/test_psbt.py, WSH_MULTISIG):
// the same signers must give exactly the same multipath descriptor and checksum.
const KRUX_SIGNERS = [
  {
    fingerprint: '02e8bff2',
    path: "m/48'/1'/0'/2'",
    xpub: 'tpubDESmyzX6RMHRHvzxgLVXymd193CSYYT6C9M9wa4XK649tbAy2WeEvkPwBgoC7i76MypQxpuruUazQjqibbCogTZuENJX6YiuZ5Fy8sf7GNi',
  },
  {
    fingerprint: '8cb36b38',
    path: "m/48'/1'/0'/2'",
    xpub: 'tpubDESTVwqbbaSoN2mPq7tcWkPBpRBkaEADrUzUhRTVnNef6oVn6w2PHL4zoUjUAJSPLJQRBetkgX4sDRcoaCyFHxqHGyWyaiV8REKDkh7zQac',
  },
  {
    fingerprint: '73c5da0a',
    path: "m/48'/1'/0'/2'",
    xpub: 'tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ',
  },
];
const KRUX_DESCRIPTOR =
  'wsh(sortedmulti(2,[02e8bff2/48h/1h/0h/2h]tpubDESmyzX6RMHRHvzxgLVXymd193CSYYT6C9M9wa4XK649tbAy2WeEvkPwBgoC7i76MypQxpuruUazQjqibbCogTZuENJX6YiuZ5Fy8sf7GNi/<0;1>/*,[8cb36b38/48h/1h/0h/2h]tpubDESTVwqbbaSoN2mPq7tcWkPBpRBkaEADrUzUhRTVnNef6oVn6w2PHL4zoUjUAJSPLJQRBetkgX4sDRcoaCyFHxqHGyWyaiV8REKDkh7zQac/<0;1>/*,[73c5da0a/48h/1h/0h/2h]tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ/<0;1>/*))#jpxgnm0a';

describe('policy descriptors', () => {
  it('reproduce a published multipath descriptor byte for byte', () => {
    expect(policyDescriptors({ script: 'p2wsh', threshold: 2, signers: KRUX_SIGNERS }).multipath).toBe(KRUX_DESCRIPTOR);
  });

  it('give receive /0/* and change /1/* forms with valid checksums, sh(wsh()) for P2SH-P2WSH', () => {
    const d = policyDescriptors({ script: 'p2sh-p2wsh', threshold: 2, signers: KRUX_SIGNERS });
    expect(d.receive.startsWith('sh(wsh(sortedmulti(2,[02e8bff2/48h/1h/0h/2h]tpubDESmy')).toBe(true);
    expect(d.receive).toContain('/0/*,');
    expect(d.change).toContain('/1/*,');
    for (const text of Object.values(d)) expect(verifyDescriptorChecksum(text)).toBe(true);
  });

  it('export every example policy', () => {
    for (const policy of loadPoliciesDir(EXAMPLE_POLICIES_DIR)) {
      const d = policyDescriptors(policy);
      expect(verifyDescriptorChecksum(d.multipath)).toBe(true);
      expect(d.multipath.match(/\[[0-9a-f]{8}(\/\d+h)+\]tpub/g)).toHaveLength(policy.signers.length);
    }
  });
});

describe('Caravan export', () => {
  it('maps the policy to a Caravan wallet configuration', () => {
    const policy = loadPoliciesDir(EXAMPLE_POLICIES_DIR).find((p) => p.id === 'regtest-warm')!;
    const config = caravanConfig(policyDocument(policy));
    expect(config).toMatchObject({
      name: policy.name,
      addressType: 'P2SH-P2WSH',
      network: 'regtest',
      quorum: { requiredSigners: 2, totalSigners: 3 },
      startingAddressIndex: 0,
    });
    expect(config.extendedPublicKeys[0]).toEqual({
      name: policy.signers[0]!.name,
      bip32Path: "m/48'/1'/0'/1'",
      xpub: policy.signers[0]!.xpub,
      xfp: '3442193e',
    });
    // issue 13, finding 7: a public client would send every vault address to a public explorer
    expect(config).not.toHaveProperty('client');
    expect(config.extendedPublicKeys.some((k) => 'method' in k)).toBe(false);
  });
});

describe('Bitcoin Core importdescriptors export', () => {
  const policy = loadPoliciesDir(EXAMPLE_POLICIES_DIR).find((p) => p.id === 'regtest-cold')!;
  const doc = policyDocument(policy);

  it('gives the receive and change descriptors, active, ranged past the issued addresses, from the first coin', () => {
    const firstCoinAt = new Date('2026-03-14T09:26:53.589Z');
    const request = coreImportDescriptors(doc, { firstCoinAt, highestIndex: 41 });
    const d = policyDescriptors(policy);
    expect(request).toEqual([
      { desc: d.receive, timestamp: 1773480413, active: true, range: [0, 41 + policy.gapLimit], internal: false },
      { desc: d.change, timestamp: 1773480413, active: true, range: [0, 41 + policy.gapLimit], internal: true },
    ]);
    for (const r of request) expect(verifyDescriptorChecksum(r.desc)).toBe(true);
  });

  it('a vault that never received rescans nothing ("now") and covers the gap limit', () => {
    const [receive] = coreImportDescriptors(doc, { firstCoinAt: null });
    expect(receive).toMatchObject({ timestamp: 'now', range: [0, policy.gapLimit - 1] });
  });
});
