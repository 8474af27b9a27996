import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { beancountNumber } from '../../ledger/index.js';
import { exportTreeCheck, registerTransparencyVerify, transparencyText } from './verify-transparency.js';
import { verifyLedgerExport, VerifyError, type VerifySummary } from '../../verify/index.js';
import { exportKindOf } from '../../verify/index.js';
import { type RecordSummary, verifyRecordExport } from '../../verify/index.js';

/** Exit codes: 0 the export verifies, 1 it does not (the first bad line is named), 2 the file cannot be read. */
export const VERIFY_EXIT = { ok: 0, failed: 1, unreadable: 2 } as const;

function summaryText(file: string, s: VerifySummary): string {
  const width = Math.max(0, ...s.closing_balances.map((b) => b.account.length));
  const balances = s.closing_balances.map((b) => {
    const shown =
      b.commodity === 'BTC'
        ? `${b.amount} sat (${beancountNumber('BTC', b.amount)} BTC)`
        : `${b.amount} ${b.commodity}`;
    return `    ${b.account.padEnd(width)}  ${shown}`;
  });
  const range =
    s.entries === 0 ? `no entries (the chain at seq ${BigInt(s.from_seq) - 1n})` : `seq ${s.from_seq}..${s.to_seq}`;
  return [
    `OK ${file}: ledger export verified (${s.format})`,
    `  entries:   ${s.entries}, ${range}`,
    `  postings:  ${s.postings}`,
    `  prev_hash: ${s.prev_hash}  (before the first entry)`,
    `  head_hash: ${s.head_hash}  (compare with the head the reserve publishes)`,
    `  sha256:    ${s.body_sha256}  (the file before its manifest)`,
    `  closing trial balance (${s.closing_balances.length} lines):`,
    ...(balances.length > 0 ? balances : ['    (all zero)']),
  ].join('\n');
}

function recordText(file: string, s: RecordSummary): string {
  const detail =
    s.export === 'utxos'
      ? `  held:      ${s.held_sat} sat (${beancountNumber('BTC', s.held_sat!)} BTC), orphaned apart: ${s.orphaned_sat} sat`
      : `  seq:       ${s.first_seq ?? '-'}..${s.last_seq ?? '-'}`;
  return [
    `OK ${file}: ${s.export} export verified`,
    `  records:   ${s.count}`,
    detail,
    `  sha256:    ${s.body_sha256}  (the file before its manifest)`,
  ].join('\n');
}

export function registerVerifyCommands(program: Command) {
  const verify = program
    .command('verify')
    .description(
      'verify an export offline: a ledger export (CSV, JSON Lines or beancount: every hash, link, balance and the manifest), or a UTXO or audit-log export (its lines against its manifest and SHA-256)',
    )
    .argument('<file>', 'a file from GET /v1/exports/ledger, /v1/exports/utxos or /v1/exports/audit-log')
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (file: string, options: { json?: boolean; progress: boolean; logKey?: string }) => {
      const bar =
        options.progress && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'verifying [{bar}] {percentage}% | {value}/{total} MiB',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
      let started = false;
      try {
        if ((await exportKindOf(file)) !== 'ledger') {
          const record = await verifyRecordExport(file);
          console.log(options.json ? JSON.stringify({ ok: true, file, ...record }) : recordText(file, record));
          process.exitCode = VERIFY_EXIT.ok;
          return;
        }
        const tree = exportTreeCheck(options);
        const summary = await verifyLedgerExport(file, {
          onEntry: tree?.add,
          onProgress: bar
            ? (read, total) => {
                const mib = (n: number) => Math.round(n / 2 ** 20);
                if (!started) {
                  bar.start(Math.max(1, mib(total)), 0);
                  started = true;
                }
                bar.update(mib(read));
              }
            : undefined,
        });
        bar?.stop();
        const transparency = await tree?.finish(file);
        console.log(
          options.json
            ? JSON.stringify({ ok: true, file, ...summary, transparency })
            : summaryText(file, summary) + transparencyText(transparency),
        );
        process.exitCode = VERIFY_EXIT.ok;
      } catch (error) {
        bar?.stop();
        if (error instanceof VerifyError) {
          const where = error.line > 0 ? `line ${error.line}: ` : '';
          if (options.json)
            console.log(JSON.stringify({ ok: false, file, line: error.line || null, reason: error.reason }));
          else console.error(`FAILED ${file}: ${where}${error.reason}`);
          process.exitCode = VERIFY_EXIT.failed;
          return;
        }
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
        if (options.json) console.log(JSON.stringify({ ok: false, file, line: null, reason }));
        else console.error(`reserve verify: cannot read ${file}: ${reason}`);
        process.exitCode = VERIFY_EXIT.unreadable;
      }
    });
  registerTransparencyVerify(verify);
}
