import type { Command } from 'commander';

// Filled in by the foundation work: reserve keys create|list|revoke, offline on the data directory.
export function registerKeysCommands(program: Command) {
  program.command('keys').description('manage API keys offline (the server must not be running on a PGlite data directory)');
}
