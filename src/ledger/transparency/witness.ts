// What a witness checks before it cosigns (C2SP tlog-witness semantics, pulled instead of
// pushed): the log's signature and origin, then consistency with the largest checkpoint it saw
// before. Pure: the CLI (src/cli/commands/witness.ts) fetches, stores state and posts.
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { type Signer, signatureLine, type Verifier } from './note.js';
import { ProofError, verifyConsistency } from './proofs.js';

export interface WitnessState {
  origin: string;
  log_key: string;
  size: number;
  /** base64 root of the checkpoint seen last. */
  root: string;
  /** The checkpoint body seen last. */
  checkpoint: string;
  updated_at: string;
}

export class WitnessRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WitnessRefusal';
  }
}

/** Opens the log's latest checkpoint and says what the witness must ask next. */
export function readCheckpoint(note: string, log: Verifier, origin: string): Checkpoint & { text: string } {
  try {
    return openCheckpoint(note, { log, origin });
  } catch (error) {
    throw new WitnessRefusal(`the checkpoint does not verify: ${(error as Error).message}`);
  }
}

/**
 * Checks `next` against what the witness saw before (`state`, null the first time) with the
 * log's consistency proof; throws WitnessRefusal when the log shrank, forked or was rewritten.
 */
export function checkAgainstState(state: WitnessState | null, next: Checkpoint, proof: Buffer[] | null): void {
  if (!state) return;
  if (next.origin !== state.origin)
    throw new WitnessRefusal(`the checkpoint is for ${next.origin}; this witness follows ${state.origin}`);
  const oldRoot = Buffer.from(state.root, 'base64');
  if (next.size < state.size)
    throw new WitnessRefusal(`the log shrank: size ${next.size} after ${state.size} (a rollback or a fork)`);
  try {
    verifyConsistency(state.size, next.size, next.size === state.size ? [] : (proof ?? []), oldRoot, next.root);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    throw new WitnessRefusal(
      `checkpoint ${next.size} is not consistent with checkpoint ${state.size} this witness cosigned: ${error.reason}. ` +
        'The ledger was rewritten or the log shows two views.',
    );
  }
}

/** The cosigned note to post: the checkpoint body, a blank line, the witness's cosignature line. */
export function cosign(text: string, witness: Signer, now = new Date()): string {
  return `${text}\n${signatureLine(text, witness, BigInt(Math.floor(now.getTime() / 1000)))}`;
}

export function nextState(cp: Checkpoint & { text: string }, logKey: string, now = new Date()): WitnessState {
  return {
    origin: cp.origin,
    log_key: logKey,
    size: cp.size,
    root: cp.root.toString('base64'),
    checkpoint: cp.text,
    updated_at: now.toISOString(),
  };
}
