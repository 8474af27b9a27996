import { createHash } from 'node:crypto';

// Bitcoin hashes are double SHA-256. They are computed over bytes in "internal" order; people and
// RPCs show them byte-reversed ("display" order, the hex a block explorer prints).

export function sha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Internal-order bytes -> display hex. */
export function toDisplayHex(internal: Uint8Array): string {
  return Buffer.from(internal).reverse().toString('hex');
}

/** Display hex (64 chars) -> internal-order bytes; undefined if it is not 32 bytes of hex. */
export function fromDisplayHex(hex: string): Buffer | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex').reverse();
}

/** A hash's value as the 256-bit little-endian number proof of work compares with the target. */
export function hashToBigInt(internal: Uint8Array): bigint {
  const b = Buffer.from(internal.buffer, internal.byteOffset, 32);
  return (
    b.readBigUInt64LE(0) |
    (b.readBigUInt64LE(8) << 64n) |
    (b.readBigUInt64LE(16) << 128n) |
    (b.readBigUInt64LE(24) << 192n)
  );
}
