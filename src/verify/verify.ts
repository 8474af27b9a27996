// `reserve verify FILE`: checks a ledger export offline (no database, no network).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { LedgerChecker, VerifyError, type VerifySummary } from './checker.js';
import { locateManifest } from './manifest.js';
import { readBeancount } from './readers/beancount.js';
import { readCsv } from './readers/csv.js';
import { readJsonl } from './readers/jsonl.js';
import type { EntryAt, EntrySink } from './readers/types.js';

export { VerifyError, type VerifySummary };

export interface VerifyOptions {
  /** Called now and then with bytes read so far and the body's size. */
  onProgress?: (bytesRead: number, bodyBytes: number) => void;
  /** Called with every entry in order (the transparency check rebuilds the tree from them). */
  onEntry?: (entry: EntryAt['entry']) => void;
  /** Counts, when given, how many entries the fast path took and how many were read the slow way. */
  stats?: { fast: number; slow: number };
}

type Reader = (body: AsyncIterable<Buffer>, sink: EntrySink, fast: boolean) => Promise<void>;

/** A reader yielding batches of entries, as the beancount one does, feeding the sink. */
const batched =
  (read: (body: AsyncIterable<Buffer>) => AsyncGenerator<EntryAt[]>): Reader =>
  async (body, sink) => {
    for await (const batch of read(body)) for (const { entry, line } of batch) sink.add(entry, line);
  };

const READERS: Record<string, Reader> = { csv: readCsv, jsonl: readJsonl, beancount: batched(readBeancount) };

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
  await READERS[located.format]!(body(), sinkFor(checker, options), !options.onEntry);
  return checker.finish(hash.digest('hex'), newlines + 1);
}

/** The checker as the readers' sink, with the options' hooks. */
function sinkFor(checker: LedgerChecker, { onEntry, stats }: VerifyOptions): EntrySink {
  return {
    // The fast readers make no ExportEntry: with onEntry they are off and every entry comes to add().
    tryPrepared(entry) {
      if (!checker.tryPrepared(entry)) return false;
      if (stats) stats.fast++;
      return true;
    },
    add(entry, line) {
      checker.add(entry, line);
      onEntry?.(entry);
      if (stats) stats.slow++;
    },
  };
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  let at = -1;
  while ((at = chunk.indexOf(0x0a, at + 1)) !== -1) count++;
  return count;
}
