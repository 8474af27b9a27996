import type { Executor } from '../../db/client.js';
import { invalid } from '../errors.js';
import { chainSettings } from './settings.js';
import { BIP34_HEIGHT, parseHeaderHex, SpvError, verifyTxProof } from './spv/index.js';
import { headerOf } from './tree.js';

// A payout's (or a spend's) block is a fact proven against proof of work: the transaction folds
// by its branch to the merkle root of a header in the tree. Refusals name the event's field.

export interface ProofInput {
  blockHash: string;
  blockHeight: number;
  rawTxHex: string;
  txIndex: number;
  merkleBranch: readonly string[];
}

/** `known`: the block's header when the caller already read it (readChain's headers), else it is read here. */
export async function proveInBlock(
  db: Executor,
  input: ProofInput,
  known?: { headerHex: string; height: number },
): Promise<{ txid: string; coinbase: boolean }> {
  const header = known ?? (await headerOf(db, input.blockHash));
  if (!header)
    throw invalid('data.block_hash', `no header of block ${input.blockHash} is known: send its block.connected first`);
  if (header.height !== input.blockHeight)
    throw invalid('data.block_height', `block ${input.blockHash} is at height ${header.height}`);
  try {
    const proven = verifyTxProof(
      { rawTxHex: input.rawTxHex, txIndex: input.txIndex, merkleBranch: input.merkleBranch },
      parseHeaderHex(header.headerHex),
      header.height,
      BIP34_HEIGHT[chainSettings().rules],
    );
    return { txid: proven.txid, coinbase: proven.coinbase };
  } catch (err) {
    if (err instanceof SpvError) throw invalid(`data.${err.field}`, err.reason);
    throw err;
  }
}

/** PAYOUT_PROOF: set explicitly, or required for policies on bitcoin (mainnet) by default. */
export function proofRequired(policyNetwork: string): boolean {
  const setting = process.env.PAYOUT_PROOF;
  if (setting === 'required') return true;
  if (setting === 'optional') return false;
  return policyNetwork === 'bitcoin';
}
