import { isIP } from 'node:net';
import { z } from 'zod';
import { isIso4217 } from './money/fiat.js';

/** A whole number within [min, max]; every failure says so in the same words. */
const integer = (min: number, max: number, unit = '') => {
  const reason = `must be an integer from ${min} to ${max}${unit}`;
  return z.coerce.number({ error: reason }).int(reason).min(min, reason).max(max, reason);
};
const port = integer(1, 65535);
const byteSize = integer(1024, 64 * 1024 * 1024, ' bytes');

// ISO 4217 codes that are no country's money (metals, SDR, bond units, test and "no currency"):
// a report valued in them would be meaningless, so REPORTING_CURRENCY refuses them.
const NOT_FIAT = new Set(['XAG', 'XAU', 'XPD', 'XPT', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XTS', 'XUA', 'XXX']);
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const schema = z.object({
  PORT: port.default(8080),
  /** The address to listen on: an IP address or a host name, without a port (that is PORT). */
  HOST: z
    .string()
    .refine(
      (v) => isIP(v) !== 0 || HOSTNAME.test(v),
      'must be an IP address or a host name without a port (the port is PORT), e.g. 127.0.0.1, ::, localhost',
    )
    .default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: integer(1, 200).default(10),
  /** How long opening a PostgreSQL connection may take before the request answers 503 (docs/operations.md). */
  DATABASE_CONNECT_TIMEOUT_S: integer(1, 300, ' s').default(5),
  /** PostgreSQL statement_timeout for every statement of the service; 0 turns it off. */
  DATABASE_STATEMENT_TIMEOUT_MS: integer(0, 3_600_000, ' ms').default(30_000),
  POLICIES_DIR: z.string().min(1).default('./policies'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  BODY_LIMIT_BYTES: byteSize.default(1024 * 1024),
  WEBHOOK_BODY_LIMIT_BYTES: byteSize.default(256 * 1024),
  /** Comma-separated `whsec_` secrets; several at once while a secret is rotated. */
  FLEET_WEBHOOK_SECRETS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'each secret must be whsec_ followed by base64'))),
  REPORTING_CURRENCY: z
    .string()
    .refine(
      (v) => isIso4217(v) && !NOT_FIAT.has(v),
      'must be the ISO 4217 code of a fiat currency such as USD, EUR, BYN (not BTC)',
    )
    .default('USD'),
  SHUTDOWN_TIMEOUT_MS: integer(0, 120_000, ' ms').default(10_000),
  /** Alerts (docs/operations.md): a site without a payout for this many days raises site.payouts_missing; 0 is off. */
  PAYOUT_SILENCE_DAYS: integer(0, 366, ' days').default(3),
  PAYOUT_SILENCE_CHECK_INTERVAL_S: integer(10, 86_400, ' s').default(3600),
  /** This many refused webhook signatures within the window raise webhook.signature_failures; 0 is off. */
  WEBHOOK_SIGNATURE_ALERT_COUNT: integer(0, 100_000).default(10),
  WEBHOOK_SIGNATURE_ALERT_WINDOW_S: integer(1, 86_400, ' s').default(300),
  /** Transparency log (docs/transparency.md): the log's Ed25519 key file, else DATA_DIR/transparency-log.key. */
  LOG_KEY_FILE: z.string().min(1).optional(),
  CHECKPOINT_INTERVAL_S: integer(1, 86_400, ' s').default(60),
  /** Witness verifier keys, comma-separated, optionally ending in `;quorum=K` (default: all of them). */
  WITNESS_KEYS: z.string().optional(),
  /** Checkpoint origin prefix: the log is `<REPORTING_ORIGIN>/ledger`. */
  REPORTING_ORIGIN: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(\/[A-Za-z0-9._~-]+)*$/, 'must be a schema-less URL such as reserve.example.gov')
    .default('reserve.example'),
  /** The console's public reserve page (/console/public), no sign-in; off unless `on`. */
  PUBLIC_PAGE: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  /** `Secure` on the console's session cookie; turn on behind TLS. */
  CONSOLE_COOKIE_SECURE: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export interface ConfigWarning {
  variable: string;
  message: string;
}

/** What a valid configuration still gets wrong on a first day; logged at start. */
export function configWarnings(config: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (config.FLEET_WEBHOOK_SECRETS.length === 0)
    warnings.push({
      variable: 'FLEET_WEBHOOK_SECRETS',
      message:
        'FLEET_WEBHOOK_SECRETS is not set: every fleet webhook delivery will be refused with 401. Make a secret with `reserve fleet secret` and set it on both sides',
    });
  return warnings;
}

/** Parses the environment once; a bad value names the variable and the reason. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  const shown =
    variable === 'DATABASE_URL' || variable === 'FLEET_WEBHOOK_SECRETS' ? '' : ` (got "${cleaned[variable]}")`;
  throw new ConfigError(`invalid configuration: ${variable}: ${issue.message}${shown}`);
}
