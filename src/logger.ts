import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; credentials are redacted wherever they appear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'reserve' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', 'secret', '*.secret', 'key', '*.key'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** How often buffered log lines are written at the latest. */
export const LOG_FLUSH_MS = 250;

/**
 * The service's stdout: lines gathered up to 4 KiB and written at least every LOG_FLUSH_MS (one write per
 * request was ~5% of the webhook's CPU), and written synchronously when the process exits (pino registers the
 * flush). A line that must be seen at once (the listening line) is followed by logger.flush().
 */
export function bufferedStdout() {
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: false });
  // A destroyed stream (stdout closed) refuses to flush: nothing is left to write then.
  const closed = () => (destination as unknown as { destroyed: boolean }).destroyed;
  setInterval(() => closed() || destination.flush(), LOG_FLUSH_MS).unref();
  return destination;
}
