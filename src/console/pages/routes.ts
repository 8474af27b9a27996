// The signed-in pages, each module's in its own file.
import type { Hono } from 'hono';
import type { ConsoleEnv, ConsoleOptions } from '../router.js';
import { auditRoutes } from './audit.js';
import { coinRoutes } from './coins.js';
import { exportRoutes } from './exports.js';
import { ledgerRoutes } from './ledger.js';
import { productionRoutes } from './production.js';
import { reportRoutes } from './reports.js';
import { spendRoutes } from './spends.js';
import { vaultRoutes } from './vaults.js';

export function pageRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions) {
  vaultRoutes(app);
  coinRoutes(app);
  productionRoutes(app, options);
  ledgerRoutes(app);
  reportRoutes(app, options);
  auditRoutes(app);
  exportRoutes(app);
  spendRoutes(app);
}
