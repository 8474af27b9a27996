import { Transaction } from 'bitcoinjs-lib';

// Checks that a raw transaction proves a payout: same txid, the output exists at vout, pays the
// policy address's script, the same amount, and the coinbase flag is right. Pure: no database.

export interface PayoutClaim {
  txid: string;
  vout: number;
  amountSat: bigint;
  coinbase: boolean;
  scriptPubKey: Uint8Array;
}

/** Returns null when the transaction proves the claim, else the reason it does not. */
export function disproveByRawTx(rawTxHex: string, claim: PayoutClaim): string | null {
  let tx: Transaction;
  try {
    tx = Transaction.fromHex(rawTxHex);
  } catch {
    return 'is not a transaction bitcoinjs-lib can decode';
  }
  if (tx.toHex() !== rawTxHex) return 'has trailing or non-canonical bytes';
  const txid = tx.getId();
  if (txid !== claim.txid) return `decodes to txid ${txid}, not ${claim.txid}`;
  if (tx.isCoinbase() !== claim.coinbase)
    return `is ${tx.isCoinbase() ? '' : 'not '}a coinbase transaction, but coinbase is ${claim.coinbase}`;
  const output = tx.outs[claim.vout];
  if (!output) return `has ${tx.outs.length} outputs; vout ${claim.vout} does not exist`;
  if (Buffer.compare(Buffer.from(output.script), Buffer.from(claim.scriptPubKey)) !== 0)
    return `output ${claim.vout} pays another script than the address's`;
  if (BigInt(output.value) !== claim.amountSat)
    return `output ${claim.vout} carries ${output.value} sat, not ${claim.amountSat}`;
  return null;
}
