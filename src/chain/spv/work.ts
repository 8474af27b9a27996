// Compact targets ("bits"), targets and work, as Bitcoin Core's arith_uint256 SetCompact /
// GetCompact and GetBlockProof compute them, on bigint (no 256-bit wrap-around is reachable: every
// network that retargets has a powLimit below 2^224, times at most 4).

const MAX_256 = (1n << 256n) - 1n;

export interface CompactTarget {
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

/** Bitcoin Core's SetCompact: 1 byte exponent, 3 bytes mantissa (sign bit 0x00800000). */
export function decodeCompact(bits: number): CompactTarget {
  const size = bits >>> 24;
  let word = BigInt(bits & 0x007fffff);
  if (size <= 3) word >>= BigInt(8 * (3 - size));
  else word <<= BigInt(8 * (size - 3));
  // Core tests the sign and overflow on the mantissa after a small exponent's right shift.
  const mantissa = size <= 3 ? Number(word) : bits & 0x007fffff;
  const negative = mantissa !== 0 && (bits & 0x00800000) !== 0;
  const overflow = mantissa !== 0 && (size > 34 || (mantissa > 0xff && size > 33) || (mantissa > 0xffff && size > 32));
  return { target: overflow ? 0n : word & MAX_256, negative, overflow };
}

/** Bitcoin Core's GetCompact (never sets the sign bit). */
export function encodeCompact(target: bigint): number {
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let compact: number;
  if (size <= 3) compact = Number(target << BigInt(8 * (3 - size)));
  else compact = Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit would read as a sign: move a byte into the exponent.
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  return ((compact | (size << 24)) >>> 0) as number;
}

/** The target of `bits`, or undefined when Core's CheckProofOfWork would refuse the bits outright. */
export function targetFromBits(bits: number, powLimit: bigint): bigint | undefined {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n || target > powLimit) return undefined;
  return target;
}

/** Expected hashes to find a block at `target`: 2^256 / (target + 1) (Core's GetBlockProof). */
export function workFromTarget(target: bigint): bigint {
  return ((1n << 256n) - 1n - target) / (target + 1n) + 1n;
}

export function workFromBits(bits: number): bigint {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n) return 0n;
  return workFromTarget(target);
}
