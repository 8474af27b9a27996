import { z } from 'zod';

const port = z.coerce.number().int('must be an integer').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');
const byteSize = z.coerce.number().int('must be an integer number of bytes').min(1024, 'must be at least 1024').max(64 * 1024 * 1024, 'must be at most 64 MiB');

const schema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  POLICIES_DIR: z.string().min(1).default('./policies'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: byteSize.default(1024 * 1024),
  WEBHOOK_BODY_LIMIT_BYTES: byteSize.default(256 * 1024),
  /** Comma-separated `whsec_` secrets; several at once while a secret is rotated. */
  FLEET_WEBHOOK_SECRETS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'each secret must be whsec_ followed by base64'))),
  REPORTING_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

/** Parses the environment once; a bad value names the variable and the reason. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  const shown = variable === 'DATABASE_URL' || variable === 'FLEET_WEBHOOK_SECRETS' ? '' : ` (got "${cleaned[variable]}")`;
  throw new ConfigError(`invalid configuration: ${variable}: ${issue.message}${shown}`);
}
