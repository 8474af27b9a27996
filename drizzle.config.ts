import { defineConfig } from 'drizzle-kit';
import { MIGRATION_MODULES } from './db/modules.js';

// Each domain module owns its schema file and its own migration folder (and
// tracking table), so that modules evolve without colliding in one journal.
// `npm run db:generate` runs drizzle-kit once per module with RESERVE_MODULE set.
const module = process.env.RESERVE_MODULE ?? '';
if (!(MIGRATION_MODULES as readonly string[]).includes(module)) {
  throw new Error(`RESERVE_MODULE must be one of ${MIGRATION_MODULES.join(', ')}; got "${module}"`);
}

export default defineConfig({
  dialect: 'postgresql',
  schema: `./db/schema/${module}.ts`,
  out: `./db/migrations/${module}`,
  strict: true,
});
