import { createHash, type Hash } from 'node:crypto';
import { observeDuration } from '../http/metrics.js';
import type { Logger } from '../logger.js';

/**
 * A streamed HTTP body from an async iterator of text chunks. The stream pulls the next
 * chunk only when the client has taken the previous one (backpressure), so memory stays
 * constant whatever the export's size; a client that goes away ends the iterator.
 */
/** Text, or bytes passed through as they came (the database's COPY output). */
export type Chunk = string | Uint8Array;

export function streamedBody(
  chunks: AsyncIterable<Chunk>,
  log: Logger,
  metric?: { export: string; format: string },
): ReadableStream<Uint8Array> {
  const started = performance.now();
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) {
            controller.close();
            if (metric) observeDuration('export', metric.export, (performance.now() - started) / 1000, metric.format);
          } else controller.enqueue(typeof next.value === 'string' ? encoder.encode(next.value) : next.value);
        } catch (error) {
          // Headers are gone already: the body ends without its manifest, which a verifier refuses.
          log.error({ err: error }, 'export failed while streaming; the body was cut short without its manifest');
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    // Ask for about 64 KiB of queued chunks before waiting on the client.
    { highWaterMark: 4 },
  );
}

/**
 * The streamed export as the route's answer. Typed `never` on purpose: the OpenAPI route
 * types read `application/jsonl` as a JSON body, but an export is a stream, not one value.
 */
export function streamedResponse(
  chunks: AsyncIterable<Chunk>,
  log: Logger,
  contentType: string,
  filename: string,
): never {
  // the export's kind and format for reserve_export_duration_seconds (reserve-ledger.csv -> ledger, csv)
  const kind = /ledger|utxos|labels|audit-log/.exec(filename)?.[0] ?? 'other';
  const metric = { export: kind, format: filename.split('.').pop() ?? '' };
  return new Response(streamedBody(chunks, log, metric), {
    status: 200,
    headers: exportHeaders(contentType, filename),
  }) as never;
}

export function exportHeaders(contentType: string, filename: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}

/**
 * Collects small chunks into ~64 KiB pieces (fewer, larger writes are much cheaper): text joined
 * as text, and bytes (COPY sends one message per row, a few hundred bytes each) concatenated with
 * whatever text came between them, in order. On the JSON Lines ledger export that turned about
 * 500,000 chunks, each a hash update, a stream hop and a socket write, into about 5,000.
 */
export async function* batched(chunks: AsyncIterable<Chunk>, targetBytes = 64 * 1024): AsyncGenerator<Chunk> {
  let pieces: Chunk[] = [];
  let size = 0;
  let bytes = false;
  const flush = (): Chunk => {
    const out = bytes
      ? Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)))
      : (pieces as string[]).join('');
    pieces = [];
    size = 0;
    bytes = false;
    return out;
  };
  for await (const chunk of chunks) {
    pieces.push(chunk);
    size += chunk.length;
    bytes ||= typeof chunk !== 'string';
    if (size >= targetBytes) yield flush();
  }
  if (pieces.length > 0) yield flush();
}

/**
 * Passes the body through while hashing it, then appends the trailer built from the
 * SHA-256 (hex) of every byte before it: the manifest covers exactly what preceded it.
 */
export async function* withTrailer(
  body: AsyncIterable<Chunk>,
  trailer: (bodySha256: string) => string | Promise<string>,
): AsyncGenerator<Chunk> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hashChunk(hash, chunk);
    yield chunk;
  }
  yield await trailer(hash.digest('hex'));
}

/** Adds a chunk to a hash: text as its UTF-8 bytes (what is sent), bytes as they are. */
export function hashChunk(hash: Hash, chunk: Chunk): void {
  if (typeof chunk === 'string') hash.update(chunk, 'utf8');
  else hash.update(chunk);
}

/**
 * Reads ahead of the consumer: pulls the source into a queue of up to `maxBytes` whether or not
 * the client has taken the last piece, so the database goes on writing while this process hashes
 * and sends and the client writes. Without it every stage (PostgreSQL's COPY, postgres.js's 16 KiB
 * stream buffer, the response, the client) waited on the next in turn, and on a loaded machine the
 * export ran at the sum of their costs rather than at the slowest one's. Errors come out in order,
 * after the pieces read before them; a consumer that leaves stops the reading and ends the source.
 */
export async function* readAhead(chunks: AsyncIterable<Chunk>, maxBytes = 8 * 2 ** 20): AsyncGenerator<Chunk> {
  const source = chunks[Symbol.asyncIterator]();
  const queue: Chunk[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | null = null;
  let stopped = false;
  let wakeConsumer: (() => void) | null = null;
  let wakePump: (() => void) | null = null;
  const wake = (which: 'consumer' | 'pump') => {
    const fn = which === 'consumer' ? wakeConsumer : wakePump;
    if (which === 'consumer') wakeConsumer = null;
    else wakePump = null;
    fn?.();
  };
  const pump = (async () => {
    try {
      while (!stopped) {
        if (queued >= maxBytes) {
          await new Promise<void>((resolve) => (wakePump = resolve));
          continue;
        }
        const next = await source.next();
        if (next.done) break;
        queue.push(next.value);
        queued += next.value.length;
        wake('consumer');
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      wake('consumer');
    }
  })();
  try {
    for (;;) {
      if (queue.length > 0) {
        const chunk = queue.shift()!;
        queued -= chunk.length;
        wake('pump');
        yield chunk;
      } else if (ended) {
        if (failure) throw (failure as { error: unknown }).error;
        return;
      } else await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    if (!ended) {
      stopped = true;
      wake('pump');
      await source.return?.(undefined);
    }
    await pump;
  }
}
