// Exhaustive properties over every tree of up to 130 leaves: the proofs the reader builds equal
// RFC 6962's recursive definitions (written here straight from the RFC, over arrays), verify by
// the RFC 9162 algorithms, and fail when any hash, the index or either size is changed; and the
// verifier pitfalls are refused. fast-check adds random trees with stored nodes read back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  completedBy,
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  memoryReader,
  nodeHash,
  ProofError,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/transparency/index.js';

const MAX = 130;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const read = memoryReader(leaves);

// RFC 6962 section 2.1's MTH, PATH and PROOF/SUBPROOF, written as the RFC recurses over
// D[a:b] (ranges of the leaf list; MTH memoised so that 8,515 + 8,385 proofs take seconds).
function k(n: number) {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}
const memo = new Map<string, Buffer>();
function mth(a: number, b: number): Buffer {
  if (b - a === 0) return EMPTY_ROOT;
  if (b - a === 1) return leaves[a]!;
  const key = `${a}:${b}`;
  let h = memo.get(key);
  if (!h) memo.set(key, (h = nodeHash(mth(a, a + k(b - a)), mth(a + k(b - a), b))));
  return h;
}
function path(m: number, a: number, b: number): Buffer[] {
  if (b - a === 1) return [];
  const s = k(b - a);
  return m < s ? [...path(m, a, a + s), mth(a + s, b)] : [...path(m - s, a + s, b), mth(a, a + s)];
}
function subproof(m: number, a: number, b: number, whole: boolean): Buffer[] {
  if (m === b - a) return whole ? [] : [mth(a, b)];
  const s = k(b - a);
  return m <= s
    ? [...subproof(m, a, a + s, whole), mth(a + s, b)]
    : [...subproof(m - s, a + s, b, false), mth(a, a + s)];
}

const roots = Array.from({ length: MAX + 1 }, (_, n) => mth(0, n));
const flip = (h: Uint8Array) => {
  const c = Buffer.from(h);
  c[c.length - 1]! ^= 1;
  return c;
};
// Mutations that verified anyway; one assertion at the end keeps 300,000 checks fast.
const survivors: string[] = [];
let mutations = 0;
function mustFail(f: () => void) {
  mutations++;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // 150,000 refusals: their stack traces would cost most of the time
  try {
    f();
    survivors.push(f.toString());
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
const hexes = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex')).join(',');

describe('inclusion proofs, every size <= 130 and every index', () => {
  it('equal PATH(m, D[n]), verify, and fail with any node, the index or the size changed', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      expect(Buffer.from(rootAt(read, n))).toEqual(roots[n]);
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(read, m, n);
        if (hexes(proof) !== hexes(path(m, 0, n))) survivors.push(`PATH(${m}, D[${n}])`);
        verifyInclusion(leaves[m]!, m, n, proof, roots[n]!);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map((h, j) => (j === i ? flip(h) : h));
          mustFail(() => verifyInclusion(leaves[m]!, m, n, bad, roots[n]!));
        }
        mustFail(() => verifyInclusion(flip(leaves[m]!), m, n, proof, roots[n]!));
        for (const m2 of [m - 1, m + 1])
          if (m2 >= 0) mustFail(() => verifyInclusion(leaves[m]!, m2, n, proof, roots[n]!));
        // A proof does not bind the size by itself (leaf 0 of 3 and of 4 fold alike): the signed
        // checkpoint states size and root together, so a changed size is checked with its root.
        for (const n2 of [n - 1, n + 1])
          if (n2 > m && n2 <= MAX) mustFail(() => verifyInclusion(leaves[m]!, m, n2, proof, roots[n2]!));
        mustFail(() => verifyInclusion(leaves[m]!, m, n, [...proof, leaves[0]!], roots[n]!));
        if (proof.length > 0) mustFail(() => verifyInclusion(leaves[m]!, m, n, proof.slice(0, -1), roots[n]!));
        checked++;
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
    expect(survivors).toEqual([]);
    expect(mutations).toBeGreaterThan(80_000);
  });

  it('refuses index >= size, size 0, and hashes that are not 32 bytes', () => {
    expect(() => verifyInclusion(leaves[0]!, 0, 0, [], EMPTY_ROOT)).toThrow(/empty tree/);
    expect(() => verifyInclusion(leaves[3]!, 3, 3, [], roots[3]!)).toThrow(/not below the tree size/);
    expect(() => verifyInclusion(leaves[0]!, 0, 2, [Buffer.alloc(31)], roots[2]!)).toThrow(/31 bytes/);
  });
});

describe('consistency proofs, every pair m < n <= 130', () => {
  it('equal PROOF(m, D[n]), verify, and fail with any node or either size changed', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m < n; m++) {
        const proof = consistencyProof(read, m, n);
        if (hexes(proof) !== hexes(subproof(m, 0, n, true))) survivors.push(`PROOF(${m}, D[${n}])`);
        verifyConsistency(m, n, proof, roots[m]!, roots[n]!);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map((h, j) => (j === i ? flip(h) : h));
          mustFail(() => verifyConsistency(m, n, bad, roots[m]!, roots[n]!));
        }
        mustFail(() => verifyConsistency(m, n, proof, flip(roots[m]!), roots[n]!));
        mustFail(() => verifyConsistency(m, n, proof, roots[m]!, flip(roots[n]!)));
        for (const m2 of [m - 1, m + 1])
          if (m2 >= 1 && m2 < n) mustFail(() => verifyConsistency(m2, n, proof, roots[m2]!, roots[n]!));
        for (const n2 of [n - 1, n + 1])
          if (n2 > m && n2 <= MAX) mustFail(() => verifyConsistency(m, n2, proof, roots[m]!, roots[n2]!));
        mustFail(() => verifyConsistency(m, n, [], roots[m]!, roots[n]!));
        mustFail(() => verifyConsistency(m, n, [...proof, leaves[0]!], roots[m]!, roots[n]!));
        checked++;
      }
    }
    expect(checked).toBe((MAX * (MAX - 1)) / 2);
    expect(survivors).toEqual([]);
    expect(mutations).toBeGreaterThan(80_000);
  });

  it('refuses equal sizes with a proof, a shrinking log, and a proof from size 0', () => {
    verifyConsistency(5, 5, [], roots[5]!, roots[5]!);
    expect(() => verifyConsistency(5, 5, [leaves[0]!], roots[5]!, roots[5]!)).toThrow(/equal sizes/);
    expect(() => verifyConsistency(5, 5, [], roots[5]!, roots[6]!)).toThrow(/two different roots/);
    expect(() => verifyConsistency(6, 5, [], roots[6]!, roots[5]!)).toThrow(/never shrinks/);
    expect(() => verifyConsistency(0, 5, [leaves[0]!], EMPTY_ROOT, roots[5]!)).toThrow(/empty tree/);
    expect(() => verifyConsistency(0, 5, [], leaves[0]!, roots[5]!)).toThrow(/empty root/);
  });
});

describe('stored complete subtrees', () => {
  it('appending leaf i completes exactly the subtrees completedBy(i) names, and they hash as the tree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX - 1 }), (i) => {
        for (const { level, index } of completedBy(i)) {
          expect((index + 1) * 2 ** level).toBe(i + 1);
          expect(Buffer.from(read(level, index))).toEqual(mth(index * 2 ** level, (index + 1) * 2 ** level));
        }
      }),
    );
  });
});
