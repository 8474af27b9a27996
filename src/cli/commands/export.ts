import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { type ApiOptions, apiGet, CliFailure, withApi } from './reports.js';

// `reserve export ...`: the service's exports (GET /v1/exports/*), streamed as they come to --out
// FILE or to stdout. A file is written beside its name and renamed into place once the whole
// answer has arrived, so an interrupted export never leaves a file that looks finished.

type Opts = ApiOptions & { out?: string } & Record<string, string | undefined>;

export async function streamTo(response: Response, out: string | undefined) {
  if (!response.body) throw new CliFailure('the service sent no body');
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  if (!out) {
    await pipeline(body, process.stdout as Writable, { end: false });
    return;
  }
  const partial = `${out}.partial`;
  try {
    await pipeline(body, createWriteStream(partial, { flags: 'w' }));
    await rename(partial, out);
  } catch (error) {
    await rm(partial, { force: true });
    throw new CliFailure(`the export to ${out} failed: ${(error as Error).message}`);
  }
}

function exportCommand(
  command: Command,
  path: string,
  query: (o: Opts) => Record<string, string | undefined> = () => ({}),
) {
  withApi(command)
    .option('--out <file>', 'write the export to this file (default: stdout)')
    .action(async (o: Opts) => streamTo(await apiGet(o, path, query(o)), o.out));
}

export function registerExportCommands(program: Command) {
  const exports = program
    .command('export')
    .description("the service's exports, streamed to --out FILE or stdout (RESERVE_URL, RESERVE_API_KEY)");
  exportCommand(
    exports
      .command('ledger')
      .description('the ledger with its manifest; `reserve verify FILE` checks it offline')
      .option('--format <format>', 'csv, jsonl or beancount (default: jsonl)')
      .option('--from-seq <seq>', 'first entry (inclusive)')
      .option('--to-seq <seq>', 'last entry (inclusive; default: the head)')
      .option('--from <time>', 'entries recorded at or after this time, RFC 3339')
      .option('--to <time>', 'entries recorded before this time, RFC 3339'),
    '/v1/exports/ledger',
    (o) => ({ format: o.format, from_seq: o.fromSeq, to_seq: o.toSeq, from: o.from, to: o.to }),
  );
  exportCommand(
    exports
      .command('utxos')
      .description('the UTXO set as JSON Lines with its manifest')
      .option('--as-of <time>', 'the coins held then (valid time), RFC 3339')
      .option('--known-at <time>', 'only what the reserve had recorded by then, RFC 3339'),
    '/v1/exports/utxos',
    (o) => ({ as_of: o.asOf, known_at: o.knownAt }),
  );
  exportCommand(
    exports.command('labels').description('BIP-329 wallet labels (Sparrow): addresses and outputs'),
    '/v1/exports/labels',
  );
  exportCommand(
    exports
      .command('audit-log')
      .description('the audit log over [from, to) as JSON Lines with its manifest')
      .option('--from <time>', 'RFC 3339')
      .option('--to <time>', 'RFC 3339 (default: now)'),
    '/v1/exports/audit-log',
    (o) => ({ from: o.from, to: o.to }),
  );
}
