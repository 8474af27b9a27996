import { address } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { outputScriptOf } from '../../../src/bitcoin/address.js';
import { dustLimitSat } from '../../../src/custody/index.js';

// Taproot destinations: with the custody door loaded, bitcoinjs-lib reads p2tr addresses. The vector is
// BIP-86's first receive address (m/86'/0'/0'/0/0 of the BIP-86 test mnemonic), its output key re-encoded
// here with bech32m for regtest (the mainnet vector checks the decoding); an x-only key off the curve is refused.
const BIP86_MAINNET = 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr';
const OUTPUT_KEY = 'a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c';

const encode = (hrp: string, key: string) => address.toBech32(Buffer.from(key, 'hex'), 1, hrp);

describe('taproot destinations', () => {
  it("BIP-86's first address: the published output key, on mainnet and re-encoded for regtest", () => {
    expect(Buffer.from(outputScriptOf(BIP86_MAINNET, 'bitcoin')!).toString('hex')).toBe(`5120${OUTPUT_KEY}`);
    const regtest = encode('bcrt', OUTPUT_KEY);
    expect(Buffer.from(outputScriptOf(regtest, 'regtest')!).toString('hex')).toBe(`5120${OUTPUT_KEY}`);
    expect(dustLimitSat(outputScriptOf(regtest, 'regtest')!)).toBe(330n);
  });

  it('an x-only key that is not on the curve, or a p2tr address of another network: refused', () => {
    // x = 5: 5^3 + 7 = 132 is not a square modulo p, so no point has it.
    expect(outputScriptOf(encode('bcrt', '05'.padStart(64, '0')), 'regtest')).toBeNull();
    expect(outputScriptOf(BIP86_MAINNET, 'regtest')).toBeNull();
  });
});
