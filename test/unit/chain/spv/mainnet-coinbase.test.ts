// A real mainnet coinbase (block 951,658, 374 transactions) proven by its real nine-level branch,
// computed here from the block's real transaction list; the header's merkle root and proof of work
// are the outside truth (test/fixtures/mainnet/block951658.json names its source).
import { Block, Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import {
  BIP34_HEIGHT,
  bip34Prefix,
  CHAIN_PARAMS,
  checkProofOfWork,
  fromDisplayHex,
  merkleBranchesDisplay,
  merkleRoot,
  parseHeaderHex,
  SpvError,
  toDisplayHex,
  verifyTxProof,
} from '../../../../src/chain/spv/index.js';
import block from '../../../fixtures/mainnet/block951658.json' with { type: 'json' };

function refusal(fn: () => unknown): SpvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpvError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const header = parseHeaderHex(block.header);
const [branch] = merkleBranchesDisplay(block.txids, [0]) as [string[]];
const proof = { rawTxHex: block.coinbase, txIndex: 0, merkleBranch: branch };

describe('mainnet block 951,658: the real coinbase and its real multi-level branch', () => {
  it('the header is the real one: its hash, its proof of work, and the 374 txids fold to its merkle root', () => {
    expect(header.hash).toBe(block.hash);
    expect(checkProofOfWork(CHAIN_PARAMS.bitcoin, header)).toBeGreaterThan(0n);
    expect(block.txids).toHaveLength(374);
    expect(toDisplayHex(merkleRoot(block.txids.map((id) => fromDisplayHex(id)!)).root)).toBe(header.merkleRoot);
    // A second implementation of the root: bitcoinjs-lib over the same leaves.
    const leaves = block.txids.map((id) => ({ getHash: () => fromDisplayHex(id)! }) as unknown as Transaction);
    expect(toDisplayHex(Buffer.from(Block.calculateMerkleRoot(leaves)))).toBe(header.merkleRoot);
  });

  it('the coinbase raw transaction is the first txid; its branch has nine levels and proves it', () => {
    const tx = Transaction.fromHex(block.coinbase);
    expect(tx.isCoinbase()).toBe(true);
    expect(tx.getId()).toBe(block.txids[0]);
    expect(branch).toHaveLength(9); // 374 leaves: ceil(log2 374)
    expect(branch[0]).toBe(block.txids[1]); // the leaf level's sibling is the second transaction
    const proven = verifyTxProof(proof, header, block.height, BIP34_HEIGHT.bitcoin);
    expect(proven).toMatchObject({ txid: block.txids[0], coinbase: true });
  });

  it.each([0, 4, 8])('refuses the branch with element %i changed (one hex digit)', (i) => {
    const forged = [...branch];
    forged[i] = `${forged[i]!.slice(0, 40)}${forged[i]![40] === '0' ? '1' : '0'}${forged[i]!.slice(41)}`;
    const err = refusal(() => verifyTxProof({ ...proof, merkleBranch: forged }, header, block.height));
    expect(err.field).toBe('merkle_branch');
    expect(err.reason).toMatch(/not the header's merkle root/);
  });

  it('refuses a branch with a level left out, and the coinbase claimed at another index', () => {
    expect(
      refusal(() => verifyTxProof({ ...proof, merkleBranch: branch.slice(0, 8) }, header, block.height)).field,
    ).toBe('merkle_branch');
    expect(refusal(() => verifyTxProof({ ...proof, txIndex: 1 }, header, block.height)).field).toBe('tx_index');
  });

  it('BIP-34: the coinbase script starts with 951,658 (03 6a850e); any other height is refused', () => {
    expect(block.height).toBeGreaterThanOrEqual(BIP34_HEIGHT.bitcoin!);
    expect(bip34Prefix(block.height).toString('hex')).toBe('036a850e');
    const script = Buffer.from(Transaction.fromHex(block.coinbase).ins[0]!.script);
    expect(script.subarray(0, 4).toString('hex')).toBe('036a850e');
    for (const height of [block.height - 1, block.height + 1, 951_402]) {
      const err = refusal(() => verifyTxProof(proof, header, height));
      expect(err.field).toBe('raw_tx_hex');
      expect(err.reason).toMatch(new RegExp(`height ${height} \\(BIP-34\\)`));
    }
  });
});
