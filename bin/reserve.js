#!/usr/bin/env node
// Runs the CLI compiled into dist/ by bin/build.mjs (the same build `npm start` runs; it returns at
// once when dist/ is up to date), in this process: no compiler loaded on each command.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  execFileSync(process.execPath, [join(root, 'bin', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch {
  process.exit(1); // build.mjs has printed why
}
await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'main.js')).href);
