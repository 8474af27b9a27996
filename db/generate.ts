// Runs drizzle-kit generate for every module (or the ones named), e.g.
//   npm run db:generate                 all modules, no-op where nothing changed
//   npm run db:generate -- ledger       one module
//   npm run db:generate -- ledger --custom --name=guards   an empty SQL file for triggers
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MIGRATION_MODULES } from './modules.js';

const args = process.argv.slice(2);
const named = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const modules = named.length > 0 ? named : [...MIGRATION_MODULES];
for (const module of modules) {
  if (!(MIGRATION_MODULES as readonly string[]).includes(module)) {
    console.error(`unknown module "${module}"; known: ${MIGRATION_MODULES.join(', ')}`);
    process.exit(2);
  }
  if (!existsSync(`db/schema/${module}.ts`)) continue;
  const run = spawnSync('npx', ['drizzle-kit', 'generate', ...flags], {
    stdio: 'inherit',
    env: { ...process.env, RESERVE_MODULE: module },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
