// The RFC 6962 / RFC 9162 Merkle tree over ledger entries: hashing, tree heads and the proofs
// a log serves. Pure: no database, no HTTP. Nodes come from a reader of complete subtrees, so
// the same code runs over leaves in memory (tests, the offline verifier) and over the hashes the
// database stores (src/ledger/transparency/store.ts), reading O(log n) of them per answer.
import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;
/** Trees beyond 2^53 leaves are not representable as JS numbers; the ledger is far below. */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

/** SHA-256(0x00 || data): the hash of one leaf (RFC 6962 section 2.1). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(data).digest();
}

/** SHA-256(0x01 || left || right): an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** The root of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT = createHash('sha256').digest();

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/**
 * The hash of the complete subtree at `level` (0 = leaves) and `index` on that level, covering
 * leaves [index * 2^level, (index + 1) * 2^level).
 */
export type NodeReader = (level: number, index: number) => Uint8Array;

/** The hash of the leaves [start, end), as RFC 6962's MTH splits it (start is aligned by construction). */
export function rangeHash(read: NodeReader, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n <= 0) throw new RangeError('empty range');
  if (isPowerOfTwo(n) && start % n === 0) return read(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(read, start, start + k), rangeHash(read, start + k, end));
}

/** The tree head (root hash) of the first `size` leaves. */
export function rootAt(read: NodeReader, size: number): Uint8Array {
  assertSize(size);
  return size === 0 ? EMPTY_ROOT : rangeHash(read, 0, size);
}

/** RFC 9162 2.1.3.1 PATH(m, D[n]): the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(read: NodeReader, index: number, size: number): Uint8Array[] {
  assertSize(size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new RangeError(`leaf index ${index} is not in a tree of ${size}`);
  const path: Uint8Array[] = [];
  // Walk down from the root, remembering the sibling of every subtree that holds the leaf.
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(rangeHash(read, start + k, end));
      end = start + k;
    } else {
      path.push(rangeHash(read, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** RFC 9162 2.1.4.1 PROOF(m, D[n]): the consistency proof from the tree of `from` to that of `to` leaves. */
export function consistencyProof(read: NodeReader, from: number, to: number): Uint8Array[] {
  assertSize(from);
  assertSize(to);
  if (from > to) throw new RangeError(`size ${from} is larger than size ${to}`);
  if (from === 0 || from === to) return [];
  const path: Uint8Array[] = [];
  subproof(read, from, 0, to, true, path);
  return path;
}

function subproof(read: NodeReader, m: number, start: number, end: number, whole: boolean, out: Uint8Array[]) {
  const n = end - start;
  if (m === n) {
    if (!whole) out.unshift(rangeHash(read, start, end));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    out.unshift(rangeHash(read, start + k, end));
    subproof(read, m, start, start + k, whole, out);
  } else {
    out.unshift(rangeHash(read, start, start + k));
    subproof(read, m - k, start + k, end, false, out);
  }
}

function assertSize(size: number) {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree size ${size} is not a whole number`);
}

/** A reader over leaf hashes held in memory; interior nodes are computed (and cached) on demand. */
export function memoryReader(leaves: readonly Uint8Array[]): NodeReader {
  const cache = new Map<string, Uint8Array>();
  const read: NodeReader = (level, index) => {
    if (level === 0) {
      const leaf = leaves[index];
      if (!leaf) throw new RangeError(`no leaf ${index}`);
      return leaf;
    }
    const key = `${level}/${index}`;
    let hash = cache.get(key);
    if (!hash) {
      hash = nodeHash(read(level - 1, index * 2), read(level - 1, index * 2 + 1));
      cache.set(key, hash);
    }
    return hash;
  };
  return read;
}

/**
 * Which stored nodes a computation reads, without reading them: runs it over placeholder hashes
 * and records the coordinates, so a store can fetch them all in one query and run it again.
 */
export function nodesRead(compute: (read: NodeReader) => unknown): { level: number; index: number }[] {
  const seen = new Map<string, { level: number; index: number }>();
  const placeholder = Buffer.alloc(HASH_BYTES);
  compute((level, index) => {
    seen.set(`${level}/${index}`, { level, index });
    return placeholder;
  });
  return [...seen.values()];
}

/**
 * The complete subtrees that the tree of `size` leaves gains when leaf `size` is appended:
 * (level, index) from the leaf up, as far as the new leaf completes a subtree.
 */
export function completedBy(leafIndex: number): { level: number; index: number }[] {
  const out = [{ level: 0, index: leafIndex }];
  let index = leafIndex;
  let level = 0;
  while (index % 2 === 1) {
    index = (index - 1) / 2;
    level++;
    out.push({ level, index });
  }
  return out;
}

/**
 * The right frontier of a tree being built leaf by leaf (a compact range from 0): O(log n)
 * hashes, enough for the root of everything appended so far. The offline verifier rebuilds an
 * export's tree with it in constant memory.
 */
export class CompactRange {
  /** frontier[L]: the complete subtree of 2^L leaves, where bit L of size is set (others stale). */
  private readonly frontier: Uint8Array[] = [];
  size = 0;

  append(leaf: Uint8Array): void {
    let hash = leaf;
    let level = 0;
    for (let n = this.size; n % 2 === 1; n = (n - 1) / 2, level++) hash = nodeHash(this.frontier[level]!, hash);
    this.frontier[level] = hash;
    this.size++;
  }

  root(): Buffer {
    let r: Uint8Array | null = null;
    for (let level = 0, n = this.size; n > 0; level++, n = Math.floor(n / 2)) {
      if (n % 2 === 1) r = r === null ? this.frontier[level]! : nodeHash(this.frontier[level]!, r);
    }
    return r === null ? EMPTY_ROOT : Buffer.from(r);
  }
}
