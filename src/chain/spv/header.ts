import { refuse } from './errors.js';
import { sha256d, toDisplayHex } from './hash.js';

export const HEADER_BYTES = 80;

/** An 80-byte block header, hashes in display order (as RPCs and explorers print them). */
export interface BlockHeader {
  version: number;
  prevHash: string;
  merkleRoot: string;
  time: number;
  bits: number;
  nonce: number;
  /** The block hash: double SHA-256 of the 80 bytes, display order. */
  hash: string;
  /** The same hash in internal byte order (the little-endian number proof of work compares). */
  hashBytes: Buffer;
  raw: Buffer;
}

export function parseHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_BYTES) refuse('header_hex', `a header is ${HEADER_BYTES} bytes, got ${bytes.length}`);
  const raw = Buffer.from(bytes);
  const hashBytes = sha256d(raw);
  return {
    version: raw.readInt32LE(0),
    prevHash: toDisplayHex(raw.subarray(4, 36)),
    merkleRoot: toDisplayHex(raw.subarray(36, 68)),
    time: raw.readUInt32LE(68),
    bits: raw.readUInt32LE(72),
    nonce: raw.readUInt32LE(76),
    hash: toDisplayHex(hashBytes),
    hashBytes,
    raw,
  };
}

export function parseHeaderHex(hex: string): BlockHeader {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) refuse('header_hex', 'not hex');
  return parseHeader(Buffer.from(hex, 'hex'));
}

export function serializeHeader(h: Omit<BlockHeader, 'hash' | 'hashBytes' | 'raw'>): Buffer {
  const raw = Buffer.alloc(HEADER_BYTES);
  raw.writeInt32LE(h.version, 0);
  Buffer.from(h.prevHash, 'hex').reverse().copy(raw, 4);
  Buffer.from(h.merkleRoot, 'hex').reverse().copy(raw, 36);
  raw.writeUInt32LE(h.time, 68);
  raw.writeUInt32LE(h.bits, 72);
  raw.writeUInt32LE(h.nonce, 76);
  return raw;
}
