// npm run bench [name ...]: runs every test/bench/*.bench.ts (or the named ones) in turn.
// Each prints its figures, the machine, and PASS/FAIL against a ceiling measured in the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine } from './machine.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
console.log(machineLine());
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  // --expose-gc: a bench may collect garbage before each timed round, so that no round pays for another's.
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], {
    stdio: 'inherit',
    env: process.env,
  });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
