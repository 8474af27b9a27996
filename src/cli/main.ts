import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerDemoCommands } from './commands/demo.js';
import { registerFleetCommands } from './commands/fleet.js';
import { registerFollowCommand } from './commands/follow.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerMarketCommands } from './commands/market.js';
import { registerLabelsCommands } from './commands/labels.js';
import { registerPoliciesCommands } from './commands/policies.js';
import { registerVerifyCommands } from './commands/verify.js';
import { registerWitnessCommands } from './commands/witness.js';

// The `reserve` command line for operators. Each command group lives in
// src/cli/commands/<group>.ts and registers itself here.
/** The package's version; the file sits two levels up from src/cli (three from dist/src/cli). */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    const file = new URL(up, import.meta.url);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

const program = new Command()
  .name('reserve')
  .version(packageVersion(), '-V, --version', 'print the version of reserve')
  .description('Reserve: the sovereign bitcoin reserve treasury, from the command line')
  .showHelpAfterError()
  .exitOverride();

registerKeysCommands(program);
registerPoliciesCommands(program);
registerVerifyCommands(program);
registerLabelsCommands(program);
registerMarketCommands(program);
registerFleetCommands(program);
registerFollowCommand(program);
registerDemoCommands(program);
registerWitnessCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { exitCode?: number }).exitCode;
  // Commander has already printed its own usage errors; everything else is one clear line.
  if (!(error as { code?: string }).code?.startsWith('commander.'))
    console.error(`reserve: ${(error as Error).message}`);
  process.exit(typeof code === 'number' ? code : 1);
}
