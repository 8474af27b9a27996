// Receipts in the C2SP tlog-proof form (c2sp.org/tlog-proof): the entry itself travels in the
// `extra` line (base64 of its JSON, as an export line carries it), then the leaf index, the
// inclusion path (base64, one hash a line) and, after a blank line, the cosigned checkpoint.
// The extra data is not trusted: the verifier recomputes the leaf from it and the proof must
// lead to the signed root.
import { HASH_BYTES } from './merkle.js';
import { NoteError } from './note.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface Receipt {
  extra: Buffer | null;
  index: number;
  path: Buffer[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
}

export function formatReceipt(r: Receipt): string {
  const lines = [TLOG_PROOF_HEADER];
  if (r.extra) lines.push(`extra ${r.extra.toString('base64')}`);
  lines.push(`index ${r.index}`, ...r.path.map((h) => h.toString('base64')));
  return `${lines.join('\n')}\n\n${r.checkpoint}`;
}

export function parseReceipt(text: string): Receipt {
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new NoteError('a tlog-proof has a blank line before its checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (head[0] !== TLOG_PROOF_HEADER) throw new NoteError(`the first line must be ${TLOG_PROOF_HEADER}`);
  let at = 1;
  let extra: Buffer | null = null;
  if (head[at]?.startsWith('extra ')) {
    const b64 = head[at]!.slice(6);
    extra = Buffer.from(b64, 'base64');
    if (extra.toString('base64') !== b64) throw new NoteError('the extra line is not canonical base64');
    at++;
  }
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(head[at] ?? '');
  if (!m) throw new NoteError('the index line is missing or malformed');
  const path = head.slice(at + 1).map((line, i) => {
    const h = Buffer.from(line, 'base64');
    if (h.length !== HASH_BYTES || h.toString('base64') !== line)
      throw new NoteError(`proof line ${i + 1} is not the base64 of a 32-byte hash`);
    return h;
  });
  return { extra, index: Number(m[1]), path, checkpoint };
}
