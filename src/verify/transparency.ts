// Offline checks of the transparency log (docs/transparency.md), no database, no network:
// a receipt (C2SP tlog-proof) for one entry, two checkpoints' consistency, and an export's tree
// against the signed checkpoint its manifest names.
import { canonicalBytes, entryHash } from '../ledger/pure.js';
import type { ExportEntry, ManifestTransparency } from '../ledger/pure.js';
import {
  CompactRange,
  keyLabel,
  leafHash,
  NoteError,
  type OpenedCheckpoint,
  openCheckpoint,
  ProofError,
  parseReceipt,
  parseVerifierKey,
  toCosigner,
  type Verifier,
  verifyConsistency,
  verifyInclusion,
} from '../ledger/pure.js';

export class TransparencyError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TransparencyError';
  }
}

export interface TrustPolicy {
  /** The log's verifier key string. */
  logKey: string;
  /** Witness verifier keys (0x01 keys are taken as their cosignature/v1 form). */
  witnessKeys?: string[];
  /** Cosignatures required; default 0 with no witness keys, else all of them. */
  quorum?: number;
}

interface Trust {
  log: Verifier;
  witnesses: Verifier[];
  quorum: number;
}

function trustOf(policy: TrustPolicy): Trust {
  try {
    const witnesses = (policy.witnessKeys ?? []).map((k) => toCosigner(parseVerifierKey(k)));
    const quorum = policy.quorum ?? witnesses.length;
    if (quorum > witnesses.length)
      throw new TransparencyError(`quorum ${quorum} is more than the ${witnesses.length} witness key(s) given`);
    return { log: parseVerifierKey(policy.logKey), witnesses, quorum };
  } catch (error) {
    if (error instanceof NoteError) throw new TransparencyError(`a key does not parse: ${error.reason}`);
    throw error;
  }
}

function guard<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof NoteError || error instanceof ProofError)
      throw new TransparencyError(`${what}: ${error.reason}`);
    throw error;
  }
}

/** Opens a signed checkpoint under the policy: the log's signature, its origin, the witness quorum. */
export function checkCheckpoint(note: string, policy: TrustPolicy): OpenedCheckpoint {
  const t = trustOf(policy);
  return guard('the checkpoint', () =>
    openCheckpoint(note, { log: t.log, origin: t.log.name, witnesses: t.witnesses, quorum: t.quorum }),
  );
}

export interface ReceiptSummary {
  seq: string;
  entry: ExportEntry;
  leaf_hash: string;
  tree_size: number;
  root: string;
  cosigned_by: string[];
}

/** Checks one entry's receipt: its leaf, the inclusion proof to the signed root, the signatures. */
export function verifyReceipt(text: string, policy: TrustPolicy): ReceiptSummary {
  const receipt = guard('the receipt', () => parseReceipt(text));
  const cp = checkCheckpoint(receipt.checkpoint, policy);
  if (!receipt.extra) throw new TransparencyError('the receipt carries no entry (its extra line is missing)');
  let entry: ExportEntry;
  try {
    entry = JSON.parse(receipt.extra.toString('utf8')) as ExportEntry;
  } catch {
    throw new TransparencyError('the entry in the receipt is not JSON');
  }
  if (String(receipt.index + 1) !== entry.seq)
    throw new TransparencyError(`the receipt is for leaf ${receipt.index}, the entry has seq ${entry.seq}`);
  let leaf: Buffer;
  try {
    leaf = leafHash(canonicalBytes(entry));
    if (entryHash(entry.prev_hash, entry) !== entry.hash)
      throw new Error('its hash is not SHA-256(prev_hash || canonical bytes)');
  } catch (error) {
    throw new TransparencyError(`the entry in the receipt: ${(error as Error).message}`);
  }
  guard('the inclusion proof', () => verifyInclusion(leaf, receipt.index, cp.size, receipt.path, cp.root));
  return {
    seq: entry.seq,
    entry,
    leaf_hash: leaf.toString('hex'),
    tree_size: cp.size,
    root: cp.root.toString('hex'),
    cosigned_by: cp.cosignedBy.map(keyLabel),
  };
}

/** Checks that checkpoint `newer` extends `older` (both signed by the log) with a consistency proof. */
export function verifyCheckpointConsistency(older: string, newer: string, proofHex: string[], policy: TrustPolicy) {
  const a = checkCheckpoint(older, { ...policy, witnessKeys: [], quorum: 0 });
  const b = checkCheckpoint(newer, policy);
  const proof = proofHex.map((h) => Buffer.from(h, 'hex'));
  guard(`checkpoints ${a.size} and ${b.size}`, () => verifyConsistency(a.size, b.size, proof, a.root, b.root));
  return { from: a.size, to: b.size, cosigned_by: b.cosignedBy.map(keyLabel) };
}

/** Builds an export's tree entry by entry (constant memory) and checks it against its checkpoint. */
export class ExportTreeChecker {
  private readonly range = new CompactRange();

  add(entry: ExportEntry): void {
    this.range.append(leafHash(canonicalBytes(entry)));
  }

  finish(fromSeq: string, t: ManifestTransparency | undefined, policy: TrustPolicy) {
    if (fromSeq !== '1')
      throw new TransparencyError('the tree can only be rebuilt from an export that starts at seq 1');
    if (!t) throw new TransparencyError('the manifest records no tree (an export from before the transparency log)');
    const root = this.range.root();
    if (String(this.range.size) !== t.tree_size || root.toString('hex') !== t.root)
      throw new TransparencyError(
        `the entries give tree size ${this.range.size} root ${root.toString('hex')}; the manifest says ${t.tree_size} ${t.root}`,
      );
    if (!t.checkpoint)
      throw new TransparencyError('the manifest names no signed checkpoint that covers the export yet');
    const cp = checkCheckpoint(t.checkpoint, policy);
    const proof = t.consistency.map((h) => Buffer.from(h, 'hex'));
    guard(`the export's tree and checkpoint ${cp.size}`, () =>
      verifyConsistency(this.range.size, cp.size, proof, root, cp.root),
    );
    return {
      tree_size: this.range.size,
      root: root.toString('hex'),
      checkpoint_size: cp.size,
      cosigned_by: cp.cosignedBy.map(keyLabel),
    };
  }
}
