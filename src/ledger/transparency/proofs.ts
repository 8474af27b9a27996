// Verifying inclusion and consistency proofs by the RFC 9162 algorithms (sections 2.1.3.2 and
// 2.1.4.2), refusing the inputs that have fooled verifiers before (certificate-transparency-rfcs
// #100/#125/#326, transparency-dev/merkle #140/#236): a leaf index at or past the tree size, a
// tree of size 0, an empty consistency path between different sizes, a non-empty one between
// equal sizes, a path longer than any tree of that size needs, and hashes that are not 32 bytes.
import { EMPTY_ROOT, HASH_BYTES, nodeHash } from './merkle.js';

export class ProofError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ProofError';
  }
}

const MAX_PATH = 64;

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function checkHashes(what: string, hashes: readonly Uint8Array[]) {
  if (hashes.length > MAX_PATH) throw new ProofError(`${what} has ${hashes.length} hashes; at most ${MAX_PATH}`);
  hashes.forEach((h, i) => {
    if (h.length !== HASH_BYTES) throw new ProofError(`${what} hash ${i} is ${h.length} bytes, not ${HASH_BYTES}`);
  });
}

function checkSize(what: string, n: number) {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProofError(`${what} ${n} is not a whole number`);
}

const half = (n: number) => Math.floor(n / 2);
const odd = (n: number) => n % 2 === 1;

/** The root an inclusion path leads to, or a ProofError (RFC 9162 2.1.3.2). */
export function rootFromInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[]) {
  checkSize('tree size', size);
  checkSize('leaf index', index);
  if (size === 0) throw new ProofError('the empty tree includes no leaf');
  if (index >= size) throw new ProofError(`leaf index ${index} is not below the tree size ${size}`);
  if (leaf.length !== HASH_BYTES) throw new ProofError('the leaf hash is not 32 bytes');
  checkHashes('the inclusion proof', path);
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of path) {
    if (sn === 0) throw new ProofError('the inclusion proof is longer than the tree is deep');
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) throw new ProofError('the inclusion proof is shorter than the tree is deep');
  return r;
}

/** Throws a ProofError unless `path` proves leaf `leaf` at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!same(rootFromInclusion(leaf, index, size, path), root))
    throw new ProofError(`the inclusion proof of leaf ${index} does not lead to the root of tree size ${size}`);
}

/** Throws a ProofError unless `path` proves the tree (size1, root1) a prefix of (size2, root2). */
export function verifyConsistency(
  size1: number,
  size2: number,
  path: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkSize('size', size1);
  checkSize('size', size2);
  checkHashes('the consistency proof', path);
  if (size1 > size2) throw new ProofError(`size ${size1} is larger than size ${size2}: a log never shrinks`);
  if (size1 === size2) {
    if (path.length > 0) throw new ProofError('equal sizes need an empty consistency proof');
    if (!same(root1, root2)) throw new ProofError(`two different roots for tree size ${size1}`);
    return;
  }
  if (size1 === 0) {
    if (path.length > 0) throw new ProofError('a proof from the empty tree must be empty');
    if (!same(root1, EMPTY_ROOT)) throw new ProofError('the root of tree size 0 is not the empty root');
    return;
  }
  if (path.length === 0) throw new ProofError(`an empty consistency proof from size ${size1} to ${size2}`);
  const proof = isPowerOfTwo(size1) ? [root1, ...path] : [...path];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr = proof[0]!;
  let sr = proof[0]!;
  for (const c of proof.slice(1)) {
    if (sn === 0) throw new ProofError('the consistency proof is longer than needed');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) throw new ProofError('the consistency proof is shorter than needed');
  if (!same(fr, root1)) throw new ProofError(`the consistency proof does not lead to the root of size ${size1}`);
  if (!same(sr, root2)) throw new ProofError(`the consistency proof does not lead to the root of size ${size2}`);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
