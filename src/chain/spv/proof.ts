import { Transaction } from 'bitcoinjs-lib';
import { refuse } from './errors.js';
import type { BlockHeader } from './header.js';
import { foldBranch } from './merkle.js';

// What a payout's proof proves: the transaction `raw_tx_hex` sits at `tx_index` in the block whose
// header is given, because its branch folds to that header's merkle root. The header's own proof of
// work (checked by the header tree) is what makes forging that costly; on regtest it costs nothing.

export interface TxProof {
  rawTxHex: string;
  txIndex: number;
  /** Sibling hashes, leaf level first, display hex (Electrum's get_merkle order). */
  merkleBranch: readonly string[];
}

export interface ProvenTx {
  tx: Transaction;
  txid: string;
  coinbase: boolean;
}

/** Heights from which the coinbase must start with its block height (BIP-34), per chain rules. */
export const BIP34_HEIGHT: Record<string, number> = {
  bitcoin: 227_931,
  testnet: 21_111,
  testnet4: 1,
  signet: 1,
  regtest: 1,
};

/** `CScript() << height`: OP_0, OP_1..OP_16, or a minimal little-endian push (CScriptNum). */
export function bip34Prefix(height: number): Buffer {
  if (height === 0) return Buffer.from([0x00]);
  if (height >= 1 && height <= 16) return Buffer.from([0x50 + height]);
  const bytes: number[] = [];
  for (let n = height; n > 0; n = Math.floor(n / 256)) bytes.push(n % 256);
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Buffer.from([bytes.length, ...bytes]);
}

function parseTx(rawTxHex: string): Transaction {
  if (typeof rawTxHex !== 'string' || !/^[0-9a-fA-F]+$/.test(rawTxHex) || rawTxHex.length % 2 !== 0) {
    refuse('raw_tx_hex', 'not hex');
  }
  try {
    return Transaction.fromHex(rawTxHex);
  } catch (err) {
    return refuse('raw_tx_hex', `not a transaction (${(err as Error).message})`);
  }
}

function checkCoinbase(tx: Transaction, blockHeight: number, bip34From: number): void {
  const input = tx.ins[0];
  if (tx.ins.length !== 1 || !input || !Transaction.isCoinbaseHash(input.hash) || input.index !== 0xffffffff) {
    refuse('raw_tx_hex', 'the transaction at index 0 must be a coinbase: one input with a null prevout');
  }
  if (tx.byteLength(false) <= 64) refuse('raw_tx_hex', 'a coinbase of 64 bytes or less is refused');
  if (blockHeight >= bip34From) {
    const prefix = bip34Prefix(blockHeight);
    const script = Buffer.from(input.script);
    if (script.length < prefix.length || !script.subarray(0, prefix.length).equals(prefix)) {
      refuse('raw_tx_hex', `the coinbase does not start with the block height ${blockHeight} (BIP-34)`);
    }
  }
}

/** Proves `proof` against `header` at `blockHeight`; refuses with the field at fault. */
export function verifyTxProof(
  proof: TxProof,
  header: BlockHeader,
  blockHeight: number,
  bip34From = BIP34_HEIGHT.bitcoin!,
): ProvenTx {
  const tx = parseTx(proof.rawTxHex);
  // A 64-byte transaction is indistinguishable from an inner node of the tree (BIP 53/54).
  if (tx.byteLength(false) === 64) refuse('raw_tx_hex', 'a 64-byte transaction cannot be proven by a branch');
  const coinbase = tx.isCoinbase();
  if (proof.txIndex === 0) checkCoinbase(tx, blockHeight, bip34From);
  else if (coinbase) refuse('tx_index', 'a coinbase is the first transaction of its block (index 0)');
  const txid = tx.getId();
  const root = foldBranch(txid, proof.merkleBranch, proof.txIndex);
  if (root !== header.merkleRoot) {
    refuse('merkle_branch', `the branch folds to ${root}, not the header's merkle root ${header.merkleRoot}`);
  }
  return { tx, txid, coinbase: proof.txIndex === 0 };
}
