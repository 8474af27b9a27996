import { DataDirLockedError } from '../db/lock.js';
import { ConfigError, configWarnings, loadConfig } from './config.js';
import { bufferedStdout, createLogger } from './logger.js';
import { PolicyValidationError } from './policies/document.js';
import { startServer } from './server.js';

// The process a supervisor starts (`npm start` runs `node dist/src/main.js`, docs/operations.md):
// SIGTERM or SIGINT stops it cleanly. Configuration and policy errors are plain lines on stderr
// and exit 2, so an operator reads them without a JSON log viewer.
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
const log = createLogger(config.LOG_LEVEL, bufferedStdout());
for (const warning of configWarnings(config)) log.warn({ variable: warning.variable }, warning.message);

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
  if (error instanceof PolicyValidationError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof DataDirLockedError) log.fatal(error.message);
  else log.fatal({ err: error }, `start-up failed: ${(error as Error).message}`);
  process.exit(1);
}
