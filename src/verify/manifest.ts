// Finding and reading the manifest that closes every ledger export (its last line).
import { open } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import {
  BEANCOUNT_MANIFEST_PREFIX,
  CSV_MANIFEST_MARKER,
  LEDGER_EXPORT_FORMATS,
  LEDGER_EXPORT_VERSION,
  type LedgerExportFormat,
  type LedgerManifest,
} from '../ledger/pure.js';
import { VerifyError } from './checker.js';

const seqText = z.string().regex(/^\d{1,19}$/, 'must be a decimal sequence number');
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const balance = z.object({ account: z.string().min(1), commodity: z.string().min(1), amount: z.string() });

const manifestSchema = z.object({
  export: z.literal(LEDGER_EXPORT_VERSION),
  canonical: z.string(),
  format: z.enum(LEDGER_EXPORT_FORMATS),
  from_seq: seqText,
  to_seq: seqText,
  from: z.string().nullable(),
  to: z.string().nullable(),
  entries: z.number().int().min(0),
  postings: z.number().int().min(0),
  prev_hash: hash,
  head_hash: hash,
  opening_balances: z.array(balance),
  closing_balances: z.array(balance),
  body_sha256: hash,
  generated_at: z.string(),
  transparency: z
    .object({ tree_size: seqText, root: hash, checkpoint: z.string().nullable(), consistency: z.array(hash) })
    .optional(),
});

export interface LocatedManifest {
  manifest: LedgerManifest;
  format: LedgerExportFormat;
  /** Bytes of the body: everything before the manifest line. */
  bodyBytes: number;
  fileBytes: number;
}

/** Reads the file's last line (growing the window from the end until it holds one). */
async function lastLine(path: string): Promise<{ text: string; start: number; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let window = Math.min(size, 64 * 1024);
    for (;;) {
      const buffer = Buffer.alloc(window);
      await handle.read(buffer, 0, window, size - window);
      const end = buffer[window - 1] === 0x0a ? window - 1 : window;
      const newline = buffer.lastIndexOf(0x0a, end - 1);
      if (newline >= 0 || window === size) {
        const start = size - window + newline + 1;
        const text = buffer.subarray(newline + 1, end).toString('utf8');
        return { text: text.endsWith('\r') ? text.slice(0, -1) : text, start, size };
      }
      window = Math.min(size, window * 4);
    }
  } finally {
    await handle.close();
  }
}

/** The manifest and the format it declares; a file without one was cut short or is not an export. */
export async function locateManifest(path: string): Promise<LocatedManifest & { manifestLine: string }> {
  const { text, start, size } = await lastLine(path);
  const missing = new VerifyError(
    0,
    'no manifest on the last line: the export is incomplete (cut short?) or not a Reserve ledger export',
  );
  let raw: unknown;
  let format: LedgerExportFormat;
  try {
    if (text.startsWith('{"manifest"')) {
      format = 'jsonl';
      raw = (JSON.parse(text) as { manifest: unknown }).manifest;
    } else if (text.startsWith(BEANCOUNT_MANIFEST_PREFIX)) {
      format = 'beancount';
      raw = JSON.parse(text.slice(BEANCOUNT_MANIFEST_PREFIX.length));
    } else if (text.startsWith(`${CSV_MANIFEST_MARKER},`)) {
      format = 'csv';
      const [record] = parseCsv(text) as string[][];
      raw = JSON.parse(record![1]!);
    } else {
      throw missing;
    }
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    throw new VerifyError(0, `the manifest on the last line cannot be read: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VerifyError(0, `the manifest is invalid: ${issue.path.join('.') || 'manifest'}: ${issue.message}`);
  }
  if (parsed.data.format !== format)
    throw new VerifyError(0, `the manifest says format ${parsed.data.format} but the file is ${format}`);
  return { manifest: parsed.data as LedgerManifest, format, bodyBytes: start, fileBytes: size, manifestLine: text };
}
