import { createRequire } from 'node:module';
import * as tiny from 'tiny-secp256k1';

// The elliptic-curve backend behind bip32. Public child derivation is one point addition per key
// per address; libsecp256k1 through the `secp256k1` package's native addon (a prebuilt binary
// shipped inside the npm package) does it about 3x faster than tiny-secp256k1's WebAssembly.
// The native backend is used only when it loads and passes bip32's own self-test (BIP32Factory
// runs it); otherwise, or with RESERVE_SECP256K1=tiny, tiny-secp256k1 is used. Both give the same
// keys: the derivation vectors run against each.

export type EccBackend = Pick<
  typeof tiny,
  'isPoint' | 'isPrivate' | 'pointFromScalar' | 'pointAddScalar' | 'privateAdd' | 'sign' | 'verify'
>;

interface NativeSecp256k1 {
  publicKeyVerify(publicKey: Uint8Array): boolean;
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
}

const CURVE_ORDER = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');

/** tiny-secp256k1 with the public-key operations done by libsecp256k1; null when the addon is unavailable. */
export function nativeBackend(): EccBackend | null {
  let native: NativeSecp256k1;
  try {
    // `secp256k1/bindings` is the addon only: it throws rather than fall back to pure JavaScript.
    native = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
  } catch {
    return null;
  }
  return {
    ...tiny,
    isPoint: (p: Uint8Array) => (p.length === 33 || p.length === 65 ? native.publicKeyVerify(p) : tiny.isPoint(p)),
    // tiny-secp256k1's contract: a tweak >= n or a bad point throws; a result at infinity is null.
    pointAddScalar: (p: Uint8Array, tweak: Uint8Array, compressed = true) => {
      if (!(tweak instanceof Uint8Array) || tweak.length !== 32 || Buffer.compare(tweak, CURVE_ORDER) >= 0)
        throw new TypeError('Expected Tweak');
      try {
        return native.publicKeyTweakAdd(p, tweak, compressed);
      } catch (error) {
        if (/could not be parsed/.test((error as Error).message)) throw new TypeError('Expected Point');
        return null;
      }
    },
  };
}

export const tinyBackend: EccBackend = tiny;
