import { refuse } from './errors.js';
import { fromDisplayHex, sha256d, toDisplayHex } from './hash.js';

// Merkle trees of transaction ids, as Bitcoin Core's consensus/merkle.cpp builds them: pairs of
// internal-order hashes concatenated and double-SHA-256'd; an odd level's last hash paired with itself.
//
// A branch (`merkle_branch`) is the list Electrum's `blockchain.transaction.get_merkle` returns:
// the sibling hashes from the leaf level up to just below the root, each in display (RPC) hex, with
// `tx_index` the transaction's position in the block (`pos`). Bitcoin Core's `gettxoutproof` returns
// a serialized CMerkleBlock instead (header, transaction count, the partial tree's hashes depth-first in
// internal order, flag bits): the same siblings, reached by walking that partial tree; it is not a flat
// branch and is not accepted as one.

export const MAX_BRANCH_LENGTH = 30;

function pair(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256d(Buffer.concat([left, right]));
}

/** Root of `leaves` (internal order), and whether Core would flag it mutated (CVE-2012-2459). */
export function merkleRoot(leaves: readonly Uint8Array[]): { root: Buffer; mutated: boolean } {
  if (leaves.length === 0) throw new Error('a block has at least one transaction');
  let level: Buffer[] = leaves.map((l) => Buffer.from(l));
  let mutated = false;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      if (i + 1 < level.length && left.equals(right)) mutated = true;
      next.push(pair(left, right));
    }
    level = next;
  }
  return { root: level[0]!, mutated };
}

/** Every level of the tree, leaves first, root last (an odd level's last hash reused as its pair). */
export function merkleLevels(leaves: readonly Uint8Array[]): Buffer[][] {
  if (leaves.length === 0) throw new Error('a block has at least one transaction');
  const levels: Buffer[][] = [leaves.map((l) => Buffer.from(l))];
  for (let level = levels[0]!; level.length > 1; ) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(pair(level[i]!, level[i + 1] ?? level[i]!));
    levels.push(next);
    level = next;
  }
  return levels;
}

function branchFromLevels(levels: readonly Buffer[][], index: number): Buffer[] {
  const branch: Buffer[] = [];
  let pos = index;
  for (const level of levels.slice(0, -1)) {
    branch.push(level[pos ^ 1] ?? level[pos]!);
    pos >>= 1;
  }
  return branch;
}

/** The branch of the leaf at `index` (internal order, leaf level first). */
export function merkleBranch(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new Error(`no leaf ${index}`);
  return branchFromLevels(merkleLevels(leaves), index);
}

/** Branches (display hex) of several transactions of one block, the tree built once. */
export function merkleBranchesDisplay(txids: readonly string[], indexes: readonly number[]): string[][] {
  const leaves = txids.map((t) => fromDisplayHex(t) ?? refuse('merkle_branch', `txid ${t} is not 32 bytes of hex`));
  const levels = merkleLevels(leaves);
  return indexes.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= leaves.length) throw new Error(`no leaf ${i}`);
    return branchFromLevels(levels, i).map(toDisplayHex);
  });
}

/**
 * Some 64-byte strings parse as a transaction: such an inner node lets a forged "transaction" be
 * proven against a real root (BIP 53/54). Electrum's verifier refuses a branch whose inner node
 * deserializes; this is the same test (legacy and segwit serialization, every byte consumed).
 */
export function parsesAsTransaction(bytes: Uint8Array): boolean {
  const end = bytes.length;
  let p = 4;
  const varint = (): number => {
    if (p >= end) return -1;
    const first = bytes[p++]!;
    if (first < 0xfd) return first;
    const size = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
    if (p + size > end) return -1;
    let n = 0;
    for (let i = size - 1; i >= 0; i--) n = n * 256 + bytes[p + i]!;
    p += size;
    return n;
  };
  if (end < 10) return false;
  const segwit = bytes[4] === 0 && bytes[5] === 1;
  if (segwit) p = 6;
  const inputs = varint();
  if (inputs < 0 || inputs > end) return false;
  for (let i = 0; i < inputs; i++) {
    p += 36;
    const len = varint();
    if (len < 0) return false;
    p += len + 4;
    if (p > end) return false;
  }
  const outputs = varint();
  if (outputs < 0 || outputs > end) return false;
  for (let i = 0; i < outputs; i++) {
    p += 8;
    const len = varint();
    if (len < 0) return false;
    p += len;
    if (p > end) return false;
  }
  if (segwit) {
    for (let i = 0; i < inputs; i++) {
      const items = varint();
      if (items < 0) return false;
      for (let j = 0; j < items; j++) {
        const len = varint();
        if (len < 0) return false;
        p += len;
        if (p > end) return false;
      }
    }
  }
  return p + 4 === end;
}

/**
 * Folds `branch` (display hex) from `txid` (display hex) at `index` up to a root (display hex),
 * refusing what Electrum's verifier refuses and the CVE-2012-2459 duplicate.
 */
export function foldBranch(txid: string, branch: readonly string[], index: number): string {
  if (!Array.isArray(branch)) refuse('merkle_branch', 'must be a list of hashes');
  if (branch.length > MAX_BRANCH_LENGTH) {
    refuse('merkle_branch', `${branch.length} hashes; a block's tree is at most ${MAX_BRANCH_LENGTH} deep`);
  }
  if (!Number.isSafeInteger(index) || index < 0) refuse('tx_index', 'must be a non-negative integer');
  if (index >= 2 ** branch.length) {
    refuse('tx_index', `index ${index} does not fit a branch of ${branch.length} hashes (index not consumed)`);
  }
  let node = fromDisplayHex(txid) ?? refuse('raw_tx_hex', 'txid is not 32 bytes of hex');
  let pos = index;
  branch.forEach((item, level) => {
    const sibling = fromDisplayHex(item) ?? refuse('merkle_branch', `hash ${level} is not 32 bytes of hex`);
    const right = pos % 2 === 1;
    // A right-hand node equal to its left sibling is the duplicated last hash of an odd level: the
    // position does not exist in the block (CVE-2012-2459).
    if (right && sibling.equals(node)) {
      refuse('merkle_branch', `hash ${level} duplicates the node it pairs with (CVE-2012-2459)`);
    }
    const inner = right ? Buffer.concat([sibling, node]) : Buffer.concat([node, sibling]);
    if (parsesAsTransaction(inner)) {
      refuse('merkle_branch', `the inner node at level ${level} parses as a 64-byte transaction`);
    }
    node = sha256d(inner);
    pos = Math.floor(pos / 2);
  });
  return toDisplayHex(node);
}
