// Real regtest transactions and blocks for the demo, built with bitcoinjs-lib: coinbase
// transactions (BIP-34 height), ordinary payments, blocks with valid regtest proof of work.
import { Block, Transaction } from 'bitcoinjs-lib';

const REGTEST_BITS = 0x207fffff;

function bip34Height(height: number): Buffer {
  const bytes: number[] = [];
  for (let n = height; n > 0; n >>= 8) bytes.push(n & 0xff);
  if (bytes.length === 0) bytes.push(0);
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Buffer.from([bytes.length, ...bytes]);
}

export function coinbaseTx(height: number, script: Uint8Array, valueSat: bigint, tag: string): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.concat([bip34Height(height), Buffer.from(`/reserve-demo/${tag}`, 'utf8')]));
  tx.addOutput(script, valueSat);
  return tx;
}

/** A pool's payout: spends a made-up outpoint of the pool's own wallet (seeded), pays `script`. */
export function payoutTx(script: Uint8Array, valueSat: bigint, seed: number): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  const prev = Buffer.alloc(32, 0x5a);
  prev.writeUInt32LE(seed >>> 0, 0);
  tx.addInput(prev, 0, 0xfffffffd, Buffer.from([0x51]));
  tx.addOutput(script, valueSat);
  return tx;
}

export interface DemoBlock {
  height: number;
  hash: string;
  prevHash: string;
}

export function mineBlock(height: number, prevHash: string, txs: Transaction[], time: number): DemoBlock {
  const block = new Block();
  block.version = 0x20000000;
  block.prevHash = Buffer.from(prevHash, 'hex').reverse();
  block.transactions = txs;
  block.merkleRoot = Block.calculateMerkleRoot(txs);
  block.timestamp = time;
  block.bits = REGTEST_BITS;
  block.nonce = 0;
  while (!block.checkProofOfWork()) block.nonce++;
  return { height, hash: block.getId(), prevHash };
}
