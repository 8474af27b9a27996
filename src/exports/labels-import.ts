// Reads a BIP-329 label file back (Sparrow's "Export Labels", or ours after people edited it in a
// wallet) and sets it beside what the reserve knows: which records it recognises, which labels
// people changed, which coins a wallet froze (spendable false), which references it does not know.
// It changes no address or coin: a label is the wallet's note, the reserve's facts stay its own.
import { z } from 'zod';
import { executor, type Verb } from '../context.js';
import { parseInput } from '../errors.js';
import { audit } from '../audit/index.js';
import { labelLines } from './labels.js';

export const MAX_LABEL_LINES = 1_000_000;

// BIP-329: type and ref required; label, origin, spendable optional; other keys may follow.
const Bip329Line = z.looseObject({
  type: z.enum(['tx', 'addr', 'pubkey', 'input', 'output', 'xpub']),
  ref: z.string().min(1).max(1000),
  label: z.string().max(10_000).optional(),
  origin: z.string().max(1000).optional(),
  spendable: z.boolean().optional(),
});
type Bip329Line = z.infer<typeof Bip329Line>;

export interface LabelImportSummary {
  records: number;
  /** Address and output records whose ref the reserve knows. */
  recognised: number;
  /** Known refs whose label the wallet changed: ref, ours, theirs. */
  relabelled: { type: string; ref: string; reserve: string; wallet: string }[];
  /** Outputs the wallet marked spendable: false (frozen). */
  frozen: string[];
  /** addr/output refs the reserve does not know (another wallet's, or a typo). */
  unknown: { type: string; ref: string }[];
  /** Records of other types (tx, input, xpub, pubkey), read and passed over. */
  other: number;
}

export class LabelFileError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Parses BIP-329 JSON Lines; a bad line is named, nothing is half-read. */
export function parseLabelFile(text: string): Bip329Line[] {
  const records: Bip329Line[] = [];
  const lines = text.split('\n');
  if (lines.length > MAX_LABEL_LINES) throw new LabelFileError(MAX_LABEL_LINES, `more than ${MAX_LABEL_LINES} lines`);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new LabelFileError(i + 1, 'not a JSON object');
    }
    const parsed = Bip329Line.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new LabelFileError(i + 1, `${issue.path.join('.') || 'record'}: ${issue.message}`);
    }
    records.push(parsed.data);
  });
  return records;
}

const LabelImportInput = z.object({ text: z.string() }).strict();
export type LabelImportInput = z.infer<typeof LabelImportInput>;

/**
 * Compares a label file with the reserve's own labels; writes one audit row with the counts
 * (in ctx.tx when set). A bad line of the file is a LabelFileError naming the line.
 */
export async function importLabels({ ctx, input }: Verb<LabelImportInput>): Promise<LabelImportSummary> {
  const { text } = parseInput(LabelImportInput, input);
  const records = parseLabelFile(text);
  const ours = new Map<string, string>();
  for await (const chunk of labelLines(ctx).lines) {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { type: string; ref: string; label: string };
      ours.set(`${r.type} ${r.ref}`, r.label);
    }
  }
  const summary: LabelImportSummary = {
    records: records.length,
    recognised: 0,
    relabelled: [],
    frozen: [],
    unknown: [],
    other: 0,
  };
  for (const r of records) {
    if (r.type !== 'addr' && r.type !== 'output') {
      summary.other++;
      continue;
    }
    const label = ours.get(`${r.type} ${r.ref}`);
    if (label === undefined) {
      summary.unknown.push({ type: r.type, ref: r.ref });
      continue;
    }
    summary.recognised++;
    if (r.label !== undefined && r.label !== label)
      summary.relabelled.push({ type: r.type, ref: r.ref, reserve: label, wallet: r.label });
    if (r.type === 'output' && r.spendable === false) summary.frozen.push(r.ref);
  }
  await audit(executor(ctx), ctx, {
    action: 'labels.import',
    details: {
      records: summary.records,
      recognised: summary.recognised,
      relabelled: summary.relabelled.length,
      frozen: summary.frozen.length,
      unknown: summary.unknown.length,
    },
  });
  return summary;
}
