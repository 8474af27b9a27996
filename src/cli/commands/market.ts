import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { importPricesCsv, importRatesCsv, PRICE_COLUMNS, RATE_COLUMNS } from '../../production/index.js';
import { type CliIo, processIo, withOfflineSession } from '../offline.js';

// `reserve prices import FILE` and `reserve rates import FILE`: valuation inputs from CSV files,
// offline on the configured database (for an air-gapped site), all or nothing.
export function registerMarketCommands(program: Command, io: CliIo = processIo) {
  const commands = [
    { group: 'prices', what: 'BTC price marks', columns: PRICE_COLUMNS, run: importPricesCsv },
    { group: 'rates', what: 'FX rates (1 base = rate quote)', columns: RATE_COLUMNS, run: importRatesCsv },
  ];
  for (const c of commands) {
    program
      .command(c.group)
      .description(`${c.what}: import from CSV`)
      .command('import')
      .description(`record the ${c.what} of a CSV file with the header ${c.columns.join(',')}; all or nothing`)
      .argument('<file>', 'the CSV file')
      .action(async (file: string) => {
        const text = await readFile(file, 'utf8');
        const result = await withOfflineSession(io, ({ ctx }) => c.run({ ctx, input: { text } }));
        io.out(`${result.received} ${c.group} read, ${result.inserted} new (the rest were already recorded)`);
      });
  }
}
