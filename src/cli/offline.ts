import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { type Database, openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { type Config, loadConfig } from '../config.js';
import { CLI_ACTOR, type Ctx } from '../context.js';
import { createLogger } from '../logger.js';

/** Where a CLI command writes and which environment it reads; tests pass their own. */
export interface CliIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
}

export const processIo: CliIo = { env: process.env, out: (line) => process.stdout.write(`${line}\n`) };

export interface OfflineSession {
  config: Config;
  database: Database;
  /** A ctx for service verbs: the `cli` actor and a request id of its own for the audit log. */
  ctx: Ctx;
}

/**
 * Runs fn on the configured database (DATA_DIR or DATABASE_URL, the server's own
 * config), migrated first. On PGlite the data directory's lock file makes this refuse
 * while a server holds it (DataDirLockedError), so the CLI never corrupts its files.
 */
export async function withOfflineSession<T>(io: CliIo, fn: (session: OfflineSession) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  // Logs go to stderr so that stdout carries only the command's answer.
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, pino.destination(2));
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
  try {
    await runMigrations(database);
    const ctx: Ctx = { db: database.db, actor: CLI_ACTOR, requestId: `cli_${randomBytes(8).toString('hex')}`, log };
    return await fn({ config, database, ctx });
  } finally {
    await database.close();
  }
}
