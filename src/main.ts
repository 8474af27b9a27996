import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from '../db/lock.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = createLogger(config.LOG_LEVEL);

try {
  const running = await startServer(config, log);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (error) {
  if (error instanceof DataDirLockedError) log.fatal(error.message);
  else log.fatal({ err: error }, `start-up failed: ${(error as Error).message}`);
  process.exit(1);
}
