import { serve, type ServerType } from '@hono/node-server';
import { openDatabase, type Database } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { createApp } from './app.js';
import { startPayoutSilenceJob } from './alerts/index.js';
import { siteActivity } from './business-readings.js';
import { SYSTEM_ACTOR } from './context.js';
import { loadLogSetup, startTransparencyJob } from './ledger/transparency/index.js';
import type { Config } from './config.js';
import { ensureBootstrapAdmin } from './keys/service.js';
import type { Logger } from './logger.js';
import { loadPoliciesDir } from './policies/load.js';
import { syncLoadedPolicies } from './policies/startup.js';

export interface RunningServer {
  database: Database;
  server: ServerType;
  port: number;
  stop(): Promise<void>;
}

/** Opens the database, migrates, bootstraps the first key, and listens. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const policyFiles = loadPoliciesDir(config.POLICIES_DIR); // an invalid policy stops start-up before anything opens
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutS: config.DATABASE_CONNECT_TIMEOUT_S,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  if (database.engine === 'pglite') {
    log.warn(
      { data_dir: config.DATA_DIR },
      'embedded PGlite database: fsync is off and it is not crash-durable. Use it to try Reserve, develop, test and demo; run a reserve in production on a PostgreSQL server (DATABASE_URL)',
    );
  }
  try {
    await runMigrations(database);
    await ensureBootstrapAdmin(database.db, config.DATA_DIR, log);
    await syncLoadedPolicies(database.db, config.POLICIES_DIR, policyFiles, log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const { app } = createApp({ database, config, log });
  const transparency = startTransparencyJob(database.db, loadLogSetup(config), log);
  const silence =
    config.PAYOUT_SILENCE_DAYS > 0
      ? startPayoutSilenceJob(
          { db: database.db, actor: SYSTEM_ACTOR, requestId: 'payout-silence-job', log },
          {
            days: config.PAYOUT_SILENCE_DAYS,
            intervalS: config.PAYOUT_SILENCE_CHECK_INTERVAL_S,
            readSites: () => siteActivity(database.db),
            log,
          },
        )
      : null;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // startup_ms: since the process started (performance.timeOrigin), the figure docs/operations.md quotes.
  const startup = {
    startup_ms: Math.round(performance.now()),
    startup_cpu_ms: Math.round(process.cpuUsage().user / 1000),
  };
  log.info(
    { host: config.HOST, port, engine: database.engine, ...startup },
    `Reserve listening on http://${config.HOST}:${port}`,
  );
  // A supervisor (and the e2e tests) wait for this line: it and every line before it go out now.
  log.flush();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop accepting, let in-flight requests finish (bounded), then close the database.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn('shutdown timeout: closing remaining connections');
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          resolve();
        }, config.SHUTDOWN_TIMEOUT_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await transparency.stop();
      await silence?.stop();
      await database.close();
      log.info('stopped cleanly');
    })());
  return { database, server, port, stop };
}
