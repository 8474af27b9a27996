// C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint): origin line, tree size, base64 root,
// then optional extension lines; and a quorum check over a checkpoint's witness cosignatures.
import { HASH_BYTES } from './merkle.js';
import { ALG_ED25519, keyLabel, NoteError, openNote, type Verifier } from './note.js';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

/** `<origin>\n<size>\n<base64 root>\n` (+ extension lines). */
export function formatCheckpoint(c: Checkpoint): string {
  if (!c.origin || c.origin.includes('\n')) throw new NoteError('the origin must be one non-empty line');
  if (c.root.length !== HASH_BYTES) throw new NoteError('the root must be 32 bytes');
  const ext = c.extensions.map((line) => `${line}\n`).join('');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n${ext}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('a checkpoint ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('a checkpoint has an origin, a size and a root line');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!origin) throw new NoteError('the checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new NoteError('the checkpoint size is not a decimal without leading zeros');
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== HASH_BYTES || root.toString('base64') !== rootText)
    throw new NoteError('the checkpoint root is not the base64 of 32 bytes');
  if (extensions.some((e) => e.length === 0)) throw new NoteError('a checkpoint extension line is empty');
  return { origin, size: Number(sizeText), root, extensions };
}

export interface OpenedCheckpoint extends Checkpoint {
  text: string;
  /** Witnesses (of those given) with a valid cosignature. */
  cosignedBy: Verifier[];
}

/**
 * Opens a signed checkpoint: the log's signature must be there and valid, the origin must be
 * the one expected, and at least `quorum` of `witnesses` must have cosigned.
 */
export function openCheckpoint(
  note: string,
  opts: { log: Verifier; origin?: string; witnesses?: readonly Verifier[]; quorum?: number },
): OpenedCheckpoint {
  if (opts.log.alg !== ALG_ED25519)
    throw new NoteError(`the log key ${keyLabel(opts.log)} is not an Ed25519 note key (type 0x01)`);
  const witnesses = opts.witnesses ?? [];
  const opened = openNote(note, [opts.log, ...witnesses]);
  if (!opened.verifiedBy.some((v) => v === opts.log))
    throw new NoteError(`the checkpoint carries no signature of the log key ${keyLabel(opts.log)}`);
  const checkpoint = parseCheckpoint(opened.text);
  if (opts.origin !== undefined && checkpoint.origin !== opts.origin)
    throw new NoteError(
      `the checkpoint origin is ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(opts.origin)}`,
    );
  const cosignedBy = opened.verifiedBy.filter((v) => v !== opts.log);
  const quorum = opts.quorum ?? 0;
  if (cosignedBy.length < quorum)
    throw new NoteError(
      `the checkpoint has ${cosignedBy.length} valid witness cosignature(s) of the ${quorum} required` +
        (cosignedBy.length > 0 ? ` (${cosignedBy.map(keyLabel).join(', ')})` : ''),
    );
  return { ...checkpoint, text: opened.text, cosignedBy };
}
