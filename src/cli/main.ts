import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
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

// Each group is imported only when its command runs: `reserve verify` then loads the offline
// verifier, not the whole service (demo and keys pull in the app and the database).
type Register = (program: Command) => void;
const market = async () => [(await import('./commands/market.js')).registerMarketCommands];
const groups: Record<string, () => Promise<Register[]>> = {
  keys: async () => [(await import('./commands/keys.js')).registerKeysCommands],
  policies: async () => [(await import('./commands/policies.js')).registerPoliciesCommands],
  verify: async () => [(await import('./commands/verify.js')).registerVerifyCommands],
  labels: async () => [(await import('./commands/labels.js')).registerLabelsCommands],
  prices: market,
  rates: market,
  // `fleet follow` is registered under the fleet group, so it comes after it.
  fleet: async () => [
    (await import('./commands/fleet.js')).registerFleetCommands,
    (await import('./commands/follow.js')).registerFollowCommand,
  ],
  demo: async () => [(await import('./commands/demo.js')).registerDemoCommands],
  witness: async () => [(await import('./commands/witness.js')).registerWitnessCommands],
  reports: async () => [(await import('./commands/reports.js')).registerReportsCommands],
  export: async () => [(await import('./commands/export.js')).registerExportCommands],
};

/** The groups to load: the one named on the command line, or all of them (for help and typos). */
function groupsFor(argv: string[]): (() => Promise<Register[]>)[] {
  const first = argv[2];
  if (first === '-V' || first === '--version') return [];
  if (first && first in groups) return [groups[first]!];
  return [...new Set(Object.values(groups))];
}

const registered = new Set<Register>();
for (const load of groupsFor(process.argv))
  for (const register of await load()) {
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { exitCode?: number }).exitCode;
  // Commander has already printed its own usage errors; everything else is one clear line.
  if (!(error as { code?: string }).code?.startsWith('commander.'))
    console.error(`reserve: ${(error as Error).message}`);
  process.exit(typeof code === 'number' ? code : 1);
}
