// `reserve verify FILE`: checks a ledger export offline (no database, no network).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { LedgerChecker, VerifyError, type VerifySummary } from './checker.js';
import { locateManifest } from './manifest.js';
import { readBeancount } from './readers/beancount.js';
import { readCsv } from './readers/csv.js';
import { readJsonl } from './readers/jsonl.js';
import type { EntryAt } from './readers/types.js';

export { VerifyError, type VerifySummary };

export interface VerifyOptions {
  /** Called now and then with bytes read so far and the body's size. */
  onProgress?: (bytesRead: number, bodyBytes: number) => void;
  /** Called with every entry in order (the transparency check rebuilds the tree from them). */
  onEntry?: (entry: EntryAt['entry']) => void;
}

const READERS = { csv: readCsv, jsonl: readJsonl, beancount: readBeancount } as const;

/**
 * Verifies a ledger export in any of the three formats: every entry's hash from its
 * canonical form, the chain links, the balance of every entry per commodity, then the
 * counts, head hash, trial balance and body SHA-256 against the manifest on the last line.
 * Resolves with a summary, or rejects with a VerifyError naming the first bad line.
 */
export async function verifyLedgerExport(path: string, options: VerifyOptions = {}): Promise<VerifySummary> {
  const located = await locateManifest(path);
  const checker = new LedgerChecker(located.manifest);
  const hash = createHash('sha256');
  let bytesRead = 0;
  let newlines = 0;
  async function* body(): AsyncGenerator<Buffer> {
    if (located.bodyBytes === 0) return;
    for await (const chunk of createReadStream(path, {
      start: 0,
      end: located.bodyBytes - 1,
      highWaterMark: 1 << 20,
    })) {
      hash.update(chunk as Buffer);
      newlines += countNewlines(chunk as Buffer);
      bytesRead += (chunk as Buffer).length;
      options.onProgress?.(bytesRead, located.bodyBytes);
      yield chunk as Buffer;
    }
  }
  const read = READERS[located.format] as (b: AsyncIterable<Buffer>) => AsyncGenerator<EntryAt[]>;
  for await (const batch of read(body())) {
    for (const { entry, line } of batch) {
      checker.add(entry, line);
      options.onEntry?.(entry);
    }
  }
  return checker.finish(hash.digest('hex'), newlines + 1);
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  let at = -1;
  while ((at = chunk.indexOf(0x0a, at + 1)) !== -1) count++;
  return count;
}
