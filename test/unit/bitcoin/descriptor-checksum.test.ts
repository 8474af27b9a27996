import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  descriptorChecksum,
  verifyDescriptorChecksum,
  withChecksum,
} from '../../../src/bitcoin/descriptor-checksum.js';

// Test vectors from BIP-380, "Test Vectors" (https://github.com/bitcoin/bips/blob/master/bip-0380.mediawiki).
describe('BIP-380 checksum vectors', () => {
  it('valid checksum: raw(deadbeef)#89f8spxm', () => {
    expect(descriptorChecksum('raw(deadbeef)')).toBe('89f8spxm');
    expect(verifyDescriptorChecksum('raw(deadbeef)#89f8spxm')).toBe(true);
  });

  it.each([
    ['no checksum', 'raw(deadbeef)'],
    ['missing checksum', 'raw(deadbeef)#'],
    ['too long checksum (9 chars)', 'raw(deadbeef)#89f8spxmx'],
    ['too short checksum (7 chars)', 'raw(deadbeef)#89f8spx'],
    ['error in payload', 'raw(deedbeef)#89f8spxm'],
    ['error in checksum', 'raw(deedbeef)##9f8spxm'],
    ['invalid characters in payload', 'raw(Ü)#00000000'],
  ])('refuses %s', (_name, descriptor) => {
    expect(verifyDescriptorChecksum(descriptor)).toBe(false);
  });

  it('throws on a character outside the descriptor character set', () => {
    expect(() => descriptorChecksum('raw(Ü)')).toThrow(/character set/);
  });

  // A published multipath 2-of-3 descriptor with its checksum, from the krux project's test suite
  // (selfcustody/krux tests/test_psbt.py, WSH_MULTISIG), produced by Bitcoin Core-compatible tooling.
  it('matches a published wsh(sortedmulti(...<0;1>/*)) checksum', () => {
    const descriptor =
      'wsh(sortedmulti(2,[02e8bff2/48h/1h/0h/2h]tpubDESmyzX6RMHRHvzxgLVXymd193CSYYT6C9M9wa4XK649tbAy2WeEvkPwBgoC7i76MypQxpuruUazQjqibbCogTZuENJX6YiuZ5Fy8sf7GNi/<0;1>/*,[8cb36b38/48h/1h/0h/2h]tpubDESTVwqbbaSoN2mPq7tcWkPBpRBkaEADrUzUhRTVnNef6oVn6w2PHL4zoUjUAJSPLJQRBetkgX4sDRcoaCyFHxqHGyWyaiV8REKDkh7zQac/<0;1>/*,[73c5da0a/48h/1h/0h/2h]tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ/<0;1>/*))';
    expect(withChecksum(descriptor)).toBe(`${descriptor}#jpxgnm0a`);
  });

  it('detects every single-character substitution (BIP-380: any 1 symbol error is detected)', () => {
    const good = withChecksum('wsh(sortedmulti(2,[deadbeef/48h/1h/0h/2h]tpubX/0/*))');
    const alphabet = "0123456789()[],'/*abcdefghijklmnopqrstuvwxyzABCDEFGH";
    fc.assert(
      fc.property(fc.nat(good.length - 10), fc.constantFrom(...alphabet), (at, c) => {
        fc.pre(good[at] !== c && good[at] !== '#');
        const bad = good.slice(0, at) + c + good.slice(at + 1);
        expect(verifyDescriptorChecksum(bad)).toBe(false);
      }),
    );
  });
});
