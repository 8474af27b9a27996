import { Block, Transaction } from 'bitcoinjs-lib';

// Real regtest data built with bitcoinjs-lib: coinbase transactions paying a script, ordinary
// payments, and blocks chained by hash with valid regtest proof of work. No network, no node.
// The tests and `reserve demo` both build their bitcoin with these.

const REGTEST_BITS = 0x207fffff;

function bip34Height(height: number): Buffer {
  // BIP-34: the coinbase script starts with `CScript() << height` (Core's check): OP_0, OP_1..OP_16,
  // else a minimal CScriptNum push.
  if (height === 0) return Buffer.from([0x00]);
  if (height <= 16) return Buffer.from([0x50 + height]);
  const bytes: number[] = [];
  let n = height;
  while (n > 0) {
    bytes.push(n & 0xff);
    n >>= 8;
  }
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Buffer.from([bytes.length, ...bytes]);
}

/** A coinbase transaction of block `height` paying `valueSat` to `script` (plus an extra nonce tag). */
export function coinbaseTx(height: number, outputs: { script: Uint8Array; valueSat: bigint }[], tag = ''): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  const scriptSig = Buffer.concat([bip34Height(height), Buffer.from(`/reserve/${tag}`, 'utf8')]);
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, scriptSig);
  for (const o of outputs) tx.addOutput(o.script, o.valueSat);
  return tx;
}

/** An ordinary (non-coinbase) transaction spending a made-up outpoint, paying `outputs`. */
export function paymentTx(outputs: { script: Uint8Array; valueSat: bigint }[], seed = 1): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  const prev = Buffer.alloc(32, seed & 0xff);
  prev.writeUInt32LE(seed >>> 0, 0);
  tx.addInput(prev, 0, 0xfffffffd, Buffer.from([0x51]));
  for (const o of outputs) tx.addOutput(o.script, o.valueSat);
  return tx;
}

export interface RegtestBlock {
  height: number;
  hash: string;
  prevHash: string;
  block: Block;
}

/** A block on top of `prevHash` holding `txs` (the first a coinbase), with valid regtest work. */
export function mineBlock(
  height: number,
  prevHash: string,
  txs: Transaction[],
  time = 1_700_000_000 + height * 600,
): RegtestBlock {
  const block = new Block();
  block.version = 0x20000000;
  block.prevHash = Buffer.from(prevHash, 'hex').reverse();
  block.transactions = txs;
  block.merkleRoot = Block.calculateMerkleRoot(txs);
  block.timestamp = time;
  block.bits = REGTEST_BITS;
  block.nonce = 0;
  while (!block.checkProofOfWork()) block.nonce++;
  return { height, hash: block.getId(), prevHash, block };
}

export const GENESIS_PREV = '00'.repeat(32);

/**
 * A chain of `count` blocks from `startHeight` on `prevHash`; `payTo(height)` chooses each
 * coinbase's outputs (empty: an anyone-can-spend OP_TRUE output), `tag` makes a fork differ.
 */
export function mineChain(
  startHeight: number,
  count: number,
  prevHash: string,
  payTo: (height: number) => { script: Uint8Array; valueSat: bigint }[] = () => [],
  tag = 'main',
): { blocks: RegtestBlock[]; coinbases: Transaction[] } {
  const blocks: RegtestBlock[] = [];
  const coinbases: Transaction[] = [];
  let prev = prevHash;
  for (let i = 0; i < count; i++) {
    const height = startHeight + i;
    const outs = payTo(height);
    const cb = coinbaseTx(
      height,
      outs.length > 0 ? outs : [{ script: Buffer.from([0x51]), valueSat: 5_000_000_000n }],
      tag,
    );
    const mined = mineBlock(height, prev, [cb]);
    blocks.push(mined);
    coinbases.push(cb);
    prev = mined.hash;
  }
  return { blocks, coinbases };
}
