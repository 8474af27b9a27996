import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';

// The API key of a command that calls the service (reports, export, witness, fleet follow) comes
// from RESERVE_API_KEY or --key-file FILE, never the command line: argv is visible to every user
// of the machine in `ps`, and stays in the shell history. --api-key is still recognised, so that a
// script written for the old option stops with this message instead of "unknown option".

/** A failure the command reports in plain lines; main.ts prints `reserve: <message>` and exits 1. */
export class CliFailure extends Error {
  readonly exitCode = 1;
}

export const API_KEY_REFUSED =
  '--api-key would put the key on the command line, where ps and the shell history show it: set RESERVE_API_KEY or give --key-file FILE (one line, mode 0600)';

export interface KeyOptions {
  keyFile?: string;
  /** The refused --api-key, when someone gave it. */
  apiKey?: string;
}

/** Adds --key-file (and the refused, hidden --api-key) to a command that calls the service. */
export function withKeyFile(command: Command, description = 'a file holding the API key'): Command {
  return command
    .option('--key-file <file>', `${description} (default: the key in RESERVE_API_KEY)`)
    .addOption(new Option('--api-key <key>', 'refused: use RESERVE_API_KEY or --key-file').hideHelp());
}

/** The API key: --key-file's first line, else RESERVE_API_KEY; a CliFailure saying what to do otherwise. */
export function readApiKey(options: KeyOptions, env: Record<string, string | undefined>): string {
  if (options.apiKey !== undefined) throw new CliFailure(API_KEY_REFUSED);
  if (options.keyFile) {
    let key: string;
    try {
      key = readFileSync(options.keyFile, 'utf8').trim();
    } catch (error) {
      throw new CliFailure(`cannot read the key file ${options.keyFile}: ${(error as Error).message}`);
    }
    if (!key) throw new CliFailure(`the key file ${options.keyFile} is empty`);
    // `reserve witness` reads two key files: its signer key (--key) and the API key (--key-file).
    if (key.startsWith('PRIVATE+KEY+'))
      throw new CliFailure(`the key file ${options.keyFile} holds a witness signer key, not an API key`);
    return key;
  }
  const key = env.RESERVE_API_KEY?.trim();
  if (!key) throw new CliFailure('an API key is needed: set RESERVE_API_KEY or give --key-file FILE');
  return key;
}
