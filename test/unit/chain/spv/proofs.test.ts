import { Block, Transaction } from 'bitcoinjs-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BIP34_HEIGHT,
  foldBranch,
  merkleBranch,
  merkleBranchesDisplay,
  merkleRoot,
  parseHeader,
  parseHeaderHex,
  parsesAsTransaction,
  SpvError,
  sha256d,
  toDisplayHex,
  verifyTxProof,
} from '../../../../src/chain/spv/index.js';
import proofs from '../../../fixtures/mainnet/proofs.json' with { type: 'json' };
import { coinbaseTx, mineBlock, paymentTx } from '../../../support/regtest.js';

function refusal(fn: () => unknown): SpvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpvError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const reverseHex = (hex: string) => Buffer.from(hex, 'hex').reverse().toString('hex');

describe('a real mainnet transaction with its real branch (block 592,920, index 26)', () => {
  const p = proofs.block592920;
  const header = parseHeaderHex(p.header);
  // summa gives the 12 siblings in internal order, concatenated; the wire form is display hex each.
  const branch = (p.intermediateNodesInternal.match(/.{64}/g) ?? []).map(reverseHex);
  const proof = { rawTxHex: p.rawTx, txIndex: p.txIndex, merkleBranch: branch };

  it('folds to the header merkle root, the header meeting its target', () => {
    expect(header.hash).toBe(p.hash);
    expect(branch).toHaveLength(12);
    const proven = verifyTxProof(proof, header, p.height);
    expect(proven.txid).toBe(p.txid);
    expect(proven.coinbase).toBe(false);
  });
  it.each([0, 5, 11])('refuses the branch with element %i changed', (i) => {
    const forged = [...branch];
    forged[i] = `${forged[i]!.slice(0, 63)}${forged[i]!.endsWith('0') ? '1' : '0'}`;
    const err = refusal(() => verifyTxProof({ ...proof, merkleBranch: forged }, header, p.height));
    expect(err.field).toBe('merkle_branch');
    expect(err.reason).toMatch(/not the header's merkle root/);
  });
  it.each([25, 27, 26 + 4096])('refuses the wrong index %i', (txIndex) => {
    const err = refusal(() => verifyTxProof({ ...proof, txIndex }, header, p.height));
    expect(['merkle_branch', 'tx_index']).toContain(err.field);
  });
  it('refuses an index the branch does not consume, and a branch of more than 30', () => {
    expect(refusal(() => foldBranch(p.txid, branch, 4096)).reason).toMatch(/not consumed/);
    expect(refusal(() => foldBranch(p.txid, Array(31).fill(branch[0]), 0)).reason).toMatch(/at most 30/);
  });
  it('refuses a changed transaction byte and an index-0 claim for it (not a coinbase)', () => {
    const raw = `${p.rawTx.slice(0, -2)}01`;
    expect(refusal(() => verifyTxProof({ ...proof, rawTxHex: raw }, header, p.height)).field).toBe('merkle_branch');
    expect(refusal(() => verifyTxProof({ ...proof, txIndex: 0 }, header, p.height)).reason).toMatch(/coinbase/);
  });
});

describe('real mainnet coinbases', () => {
  it('block 1: its coinbase is the only transaction, the branch empty, the root its txid', () => {
    const b = proofs.block1;
    const header = parseHeaderHex(b.header);
    expect(header.merkleRoot).toBe(b.txid);
    const proven = verifyTxProof({ rawTxHex: b.coinbase, txIndex: 0, merkleBranch: [] }, header, 1);
    expect(proven).toMatchObject({ txid: b.txid, coinbase: true });
    // Below mainnet's BIP-34 height; the same coinbase where BIP-34 applies has no height prefix.
    expect(
      refusal(() => verifyTxProof({ rawTxHex: b.coinbase, txIndex: 0, merkleBranch: [] }, header, 1, 1)).reason,
    ).toMatch(/BIP-34/);
  });
});

describe('regtest blocks mined in the test: coinbase proofs and their pitfalls', () => {
  const script = Buffer.from('0014' + '11'.repeat(20), 'hex');
  const height = 300;
  const txs = [
    coinbaseTx(height, [{ script, valueSat: 5_000_000_000n }]),
    ...[1, 2, 3, 4, 5, 6].map((seed) => paymentTx([{ script, valueSat: BigInt(seed) * 1000n }], seed)),
  ];
  const mined = mineBlock(height, '00'.repeat(32), txs);
  const header = parseHeader(mined.block.toBuffer(true));
  const txids = txs.map((t) => t.getId());
  const [branch0, branch3, branch6] = merkleBranchesDisplay(txids, [0, 3, 6]);
  const R = BIP34_HEIGHT.regtest;

  it('proves the coinbase (index 0, BIP-34 height) and an ordinary payment', () => {
    expect(
      verifyTxProof({ rawTxHex: txs[0]!.toHex(), txIndex: 0, merkleBranch: branch0! }, header, height, R).coinbase,
    ).toBe(true);
    expect(
      verifyTxProof({ rawTxHex: txs[3]!.toHex(), txIndex: 3, merkleBranch: branch3! }, header, height, R).txid,
    ).toBe(txids[3]);
    expect(
      verifyTxProof({ rawTxHex: txs[6]!.toHex(), txIndex: 6, merkleBranch: branch6! }, header, height, R).txid,
    ).toBe(txids[6]);
  });
  it('refuses a coinbase whose BIP-34 height is not the block height', () => {
    const err = refusal(() =>
      verifyTxProof({ rawTxHex: txs[0]!.toHex(), txIndex: 0, merkleBranch: branch0! }, header, height + 1, R),
    );
    expect(err.reason).toMatch(/height 301 \(BIP-34\)/);
  });
  it('refuses a coinbase claimed at another index, and a non-coinbase at index 0', () => {
    expect(
      refusal(() => verifyTxProof({ rawTxHex: txs[0]!.toHex(), txIndex: 2, merkleBranch: branch0! }, header, height, R))
        .field,
    ).toBe('tx_index');
    expect(
      refusal(() => verifyTxProof({ rawTxHex: txs[3]!.toHex(), txIndex: 0, merkleBranch: branch3! }, header, height, R))
        .reason,
    ).toMatch(/null prevout/);
  });
  it('heights 1..16 carry OP_1..OP_16, as Core builds them (CScript() << height)', () => {
    const cb = coinbaseTx(5, [{ script, valueSat: 1n }]);
    expect(cb.ins[0]!.script[0]).toBe(0x55);
    const b = mineBlock(5, '00'.repeat(32), [cb]);
    expect(
      verifyTxProof({ rawTxHex: cb.toHex(), txIndex: 0, merkleBranch: [] }, parseHeader(b.block.toBuffer(true)), 5, R)
        .coinbase,
    ).toBe(true);
  });
  it('CVE-2012-2459: the duplicated last hash of an odd level gives the real root and is refused', () => {
    // 7 transactions: leaf 6 is paired with itself; claiming it again at index 7 folds to the same root.
    const dup = [txids[6]!, ...branch6!.slice(1)];
    let node: Buffer = Buffer.from(txids[6]!, 'hex').reverse();
    node = sha256d(Buffer.concat([node, node]));
    for (const [i, s] of dup.slice(1).entries()) {
      const sib = Buffer.from(s, 'hex').reverse();
      node = (7 >> (i + 1)) & 1 ? sha256d(Buffer.concat([sib, node])) : sha256d(Buffer.concat([node, sib]));
    }
    expect(toDisplayHex(node)).toBe(header.merkleRoot); // the forgery would otherwise pass
    const err = refusal(() =>
      verifyTxProof({ rawTxHex: txs[6]!.toHex(), txIndex: 7, merkleBranch: dup }, header, height, R),
    );
    expect(err.reason).toMatch(/CVE-2012-2459/);
  });
  it('an inner node that parses as a 64-byte transaction is refused, and so is a 64-byte transaction', () => {
    const t = new Transaction();
    t.version = 1;
    t.addInput(Buffer.alloc(32, 7), 0, 0xffffffff, Buffer.from([0x51, 0x51]));
    t.addOutput(Buffer.from([0x51, 0x51]), 1n);
    const bytes = Buffer.from(t.toBuffer());
    expect(bytes).toHaveLength(64);
    expect(parsesAsTransaction(bytes)).toBe(true);
    const left = toDisplayHex(bytes.subarray(0, 32));
    const right = toDisplayHex(bytes.subarray(32));
    expect(refusal(() => foldBranch(left, [right], 0)).reason).toMatch(/64-byte transaction/);
    const fake = { ...header, merkleRoot: t.getId() };
    expect(
      refusal(() => verifyTxProof({ rawTxHex: t.toHex(), txIndex: 1, merkleBranch: [] }, fake, height, R)).reason,
    ).toMatch(/64-byte/);
  });
  it('refuses hashes that are not 32 bytes of hex', () => {
    expect(refusal(() => foldBranch(txids[3]!, ['zz'.repeat(32), ...branch3!.slice(1)], 3)).field).toBe(
      'merkle_branch',
    );
  });
});

describe('merkle roots and branches against bitcoinjs-lib (a second implementation)', () => {
  it('root equals Block.calculateMerkleRoot and every branch folds to it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 40 }),
        (leaves) => {
          const txs = leaves.map((l) => ({ getHash: () => Buffer.from(l) }) as unknown as Transaction);
          const theirs = Buffer.from(Block.calculateMerkleRoot(txs)).toString('hex');
          const { root } = merkleRoot(leaves);
          expect(root.toString('hex')).toBe(theirs);
          const i = leaves.length - 1;
          const branch = merkleBranch(leaves, i).map(toDisplayHex);
          // The last leaf: on an odd level it pairs with itself from the left, which is allowed.
          expect(foldBranch(toDisplayHex(leaves[i]!), branch, i)).toBe(toDisplayHex(root));
        },
      ),
    );
  });
  it('flags a mutated tree (equal pair), as Core ComputeMerkleRoot does', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(merkleRoot([a, b, b]).mutated).toBe(false);
    expect(merkleRoot([a, b, b, b]).mutated).toBe(true);
  });
  it('a real transaction parses; 64 random bytes almost never do', () => {
    expect(parsesAsTransaction(Buffer.from(proofs.block1.coinbase, 'hex'))).toBe(true);
    expect(parsesAsTransaction(Buffer.alloc(64, 0xff))).toBe(false);
  });
});
