import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { importLabels } from '../../exports/index.js';
import { type CliIo, processIo, withOfflineSession } from '../offline.js';

export function registerLabelsCommands(program: Command, io: CliIo = processIo) {
  const labels = program.command('labels').description('BIP-329 wallet labels (Sparrow and other wallets)');
  labels
    .command('import')
    .description(
      "read a BIP-329 label file back (Sparrow's Export Labels) and compare it with the reserve's labels: recognised, relabelled, frozen, unknown",
    )
    .argument('<file>', 'the JSON Lines file')
    .option('--json', 'print the comparison as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const text = await readFile(file, 'utf8');
      const summary = await withOfflineSession(io, ({ ctx }) => importLabels({ ctx, input: { text } }));
      if (options.json) {
        io.out(JSON.stringify(summary));
        return;
      }
      io.out(
        `${summary.records} records: ${summary.recognised} recognised, ${summary.relabelled.length} relabelled, ${summary.frozen.length} frozen, ${summary.unknown.length} unknown, ${summary.other} of other types`,
      );
      for (const r of summary.relabelled) io.out(`relabelled ${r.type} ${r.ref}: "${r.reserve}" -> "${r.wallet}"`);
      for (const ref of summary.frozen) io.out(`frozen output ${ref} (spendable: false in the wallet)`);
      for (const u of summary.unknown) io.out(`unknown ${u.type} ${u.ref}`);
    });
}
