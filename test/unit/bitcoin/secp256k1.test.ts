import { BIP32Factory } from 'bip32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secp256k1Backend } from '../../../src/bitcoin/extended-key.js';
import { nativeBackend, tinyBackend } from '../../../src/bitcoin/secp256k1.js';

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
/** The result or the error's class and message, so that both backends can be compared outcome for outcome. */
const outcome = (f: () => Uint8Array | null) => {
  try {
    return hex(f());
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
};
const native = nativeBackend();

describe('the libsecp256k1 backend', () => {
  // The native addon ships prebuilt inside the npm package; this proves it loads here and in CI.
  it('loads on this machine and is the one bip32 uses', () => {
    expect(native).not.toBeNull();
    expect(secp256k1Backend).toBe('libsecp256k1');
  });

  it("passes bip32's own self-test", () => {
    expect(() => BIP32Factory(native!)).not.toThrow();
  });

  it('agrees with tiny-secp256k1 on point addition, outcome for outcome (property)', () => {
    const G = Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex');
    const nearOrder = fc
      .uint8Array({ minLength: 1, maxLength: 1 })
      .map((b) =>
        Buffer.from(
          `fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd03641${b[0]!.toString(16).padStart(2, '0')}`,
          'hex',
        ),
      );
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), nearOrder, fc.constant(new Uint8Array(32))),
        fc.boolean(),
        (tweak, compressed) => {
          const point = tinyBackend.pointFromScalar(
            Buffer.from('b1121e4088a66a28f5b6b0f5844943ecd9f610196d7bb83b25214b60452c09af', 'hex'),
            compressed,
          )!;
          expect(outcome(() => native!.pointAddScalar(point, tweak, compressed))).toBe(
            outcome(() => tinyBackend.pointAddScalar(point, tweak, compressed)),
          );
          expect(outcome(() => native!.pointAddScalar(G, tweak))).toBe(
            outcome(() => tinyBackend.pointAddScalar(G, tweak)),
          );
        },
      ),
      { numRuns: 300 },
    );
    // G + (n - 1)G is the point at infinity: both say null.
    const minusOne = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140', 'hex');
    const oneG = tinyBackend.pointFromScalar(Buffer.from('00'.repeat(31) + '01', 'hex'))!;
    expect(native!.pointAddScalar(oneG, minusOne)).toBeNull();
    expect(tinyBackend.pointAddScalar(oneG, minusOne)).toBeNull();
  });

  it('refuses the same points as tiny-secp256k1', () => {
    for (const p of [
      '030000000000000000000000000000000000000000000000000000000000000005',
      '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
      '04' + '00'.repeat(64),
    ]) {
      const bytes = Buffer.from(p, 'hex');
      expect(native!.isPoint(bytes)).toBe(tinyBackend.isPoint(bytes));
    }
  });
});
