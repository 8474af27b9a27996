import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig } from '../../../src/config.js';

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('needs no configuration at all', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      DATA_DIR: './data',
      POLICIES_DIR: './policies',
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1024 * 1024,
      REPORTING_CURRENCY: 'USD',
      FLEET_WEBHOOK_SECRETS: [],
    });
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/reserve',
      DATABASE_URL: 'postgresql://reserve@db:5432/reserve',
      DATABASE_POOL_SIZE: '20',
      DATABASE_CONNECT_TIMEOUT_S: '7',
      DATABASE_STATEMENT_TIMEOUT_MS: '0',
      POLICIES_DIR: '/etc/reserve/policies',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: '2048',
      WEBHOOK_BODY_LIMIT_BYTES: '4096',
      FLEET_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_AAAA',
      REPORTING_CURRENCY: 'EUR',
      SHUTDOWN_TIMEOUT_MS: '0',
      LOG_KEY_FILE: '/etc/reserve/log.key',
      CHECKPOINT_INTERVAL_S: '30',
      WITNESS_KEYS: 'w.example+01234567+BAAA;quorum=1',
      REPORTING_ORIGIN: 'reserve.gov.example',
      PAYOUT_SILENCE_DAYS: '5',
      PAYOUT_SILENCE_CHECK_INTERVAL_S: '600',
      WEBHOOK_SIGNATURE_ALERT_COUNT: '20',
      WEBHOOK_SIGNATURE_ALERT_WINDOW_S: '120',
    });
    expect(config).toEqual({
      PORT: 9000,
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/reserve',
      DATABASE_URL: 'postgresql://reserve@db:5432/reserve',
      DATABASE_POOL_SIZE: 20,
      DATABASE_CONNECT_TIMEOUT_S: 7,
      DATABASE_STATEMENT_TIMEOUT_MS: 0,
      POLICIES_DIR: '/etc/reserve/policies',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: 2048,
      WEBHOOK_BODY_LIMIT_BYTES: 4096,
      FLEET_WEBHOOK_SECRETS: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_AAAA'],
      REPORTING_CURRENCY: 'EUR',
      SHUTDOWN_TIMEOUT_MS: 0,
      LOG_KEY_FILE: '/etc/reserve/log.key',
      CHECKPOINT_INTERVAL_S: 30,
      WITNESS_KEYS: 'w.example+01234567+BAAA;quorum=1',
      REPORTING_ORIGIN: 'reserve.gov.example',
      PUBLIC_PAGE: 'off',
      CONSOLE_COOKIE_SECURE: 'off',
      PAYOUT_SILENCE_DAYS: 5,
      PAYOUT_SILENCE_CHECK_INTERVAL_S: 600,
      WEBHOOK_SIGNATURE_ALERT_COUNT: 20,
      WEBHOOK_SIGNATURE_ALERT_WINDOW_S: 120,
    });
  });

  it('accepts fiat currencies and hosts, with or without a port-less IPv6', () => {
    for (const code of ['USD', 'EUR', 'BYN', 'XOF', 'CHF'])
      expect(loadConfig({ REPORTING_CURRENCY: code }).REPORTING_CURRENCY).toBe(code);
    for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'reserve.internal.example'])
      expect(loadConfig({ HOST: host }).HOST).toBe(host);
  });

  it('warns when no fleet webhook secret is set, and not when one is', () => {
    expect(configWarnings(loadConfig({})).map((w) => w.variable)).toEqual(['FLEET_WEBHOOK_SECRETS']);
    expect(configWarnings(loadConfig({})).at(0)?.message).toContain('reserve fleet secret');
    expect(configWarnings(loadConfig({ FLEET_WEBHOOK_SECRETS: 'whsec_AAAA' }))).toEqual([]);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'invalid configuration: PORT: must be an integer from 1 to 65535 (got "abc")'],
    [{ PORT: '0' }, 'invalid configuration: PORT: must be an integer from 1 to 65535 (got "0")'],
    [{ PORT: '80.5' }, 'invalid configuration: PORT: must be an integer from 1 to 65535 (got "80.5")'],
    [{ PORT: '65536' }, 'invalid configuration: PORT: must be an integer from 1 to 65535 (got "65536")'],
    [
      { BODY_LIMIT_BYTES: '10' },
      'invalid configuration: BODY_LIMIT_BYTES: must be an integer from 1024 to 67108864 bytes (got "10")',
    ],
    [
      { LOG_LEVEL: 'loud' },
      'invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    [
      { DATABASE_POOL_SIZE: '-1' },
      'invalid configuration: DATABASE_POOL_SIZE: must be an integer from 1 to 200 (got "-1")',
    ],
    [
      { SHUTDOWN_TIMEOUT_MS: 'soon' },
      'invalid configuration: SHUTDOWN_TIMEOUT_MS: must be an integer from 0 to 120000 ms (got "soon")',
    ],
    [
      { REPORTING_CURRENCY: 'usd' },
      'invalid configuration: REPORTING_CURRENCY: must be the ISO 4217 code of a fiat currency such as USD, EUR, BYN (not BTC) (got "usd")',
    ],
    ...['XYZ', 'BTC', 'XAU', 'XXX', 'XTS'].map((code): [Record<string, string>, string] => [
      { REPORTING_CURRENCY: code },
      `invalid configuration: REPORTING_CURRENCY: must be the ISO 4217 code of a fiat currency such as USD, EUR, BYN (not BTC) (got "${code}")`,
    ]),
    ...['localhost:80', '127.0.0.1:8080', '[::1]:80', 'http://example.org', 'host name', '-bad.example'].map(
      (host): [Record<string, string>, string] => [
        { HOST: host },
        `invalid configuration: HOST: must be an IP address or a host name without a port (the port is PORT), e.g. 127.0.0.1, ::, localhost (got "${host}")`,
      ],
    ),
    [
      { DATABASE_CONNECT_TIMEOUT_S: '0' },
      'invalid configuration: DATABASE_CONNECT_TIMEOUT_S: must be an integer from 1 to 300 s (got "0")',
    ],
  ] as [Record<string, string>, string][])('refuses %j with one line naming the variable', (env, message) => {
    expect(failure(env)).toBe(message);
  });

  it('never echoes a value that may hold a credential', () => {
    const url = failure({ DATABASE_URL: 'mysql://root:hunter2@db/reserve' });
    expect(url).toBe('invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL');
    const secrets = failure({ FLEET_WEBHOOK_SECRETS: 'hunter2' });
    expect(secrets).toBe('invalid configuration: FLEET_WEBHOOK_SECRETS: each secret must be whsec_ followed by base64');
  });

  it('accepts exactly the integer ports 1-65535 (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 })),
        (n) => {
          const valid = Number.isInteger(n) && n >= 1 && n <= 65535;
          if (valid) expect(loadConfig({ PORT: String(n) }).PORT).toBe(n);
          else
            expect(failure({ PORT: String(n) })).toMatch(
              /^invalid configuration: PORT: must be an integer from 1 to 65535 \(got ".*"\)$/,
            );
        },
      ),
    );
  });

  it('every refusal is a single line', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('PORT', 'LOG_LEVEL', 'BODY_LIMIT_BYTES', 'REPORTING_CURRENCY'),
        fc.string({ minLength: 1 }).filter((s) => !/^\s*\d+\s*$/.test(s) && s.trim() !== ''),
        (name, value) => {
          let message: string | undefined;
          try {
            loadConfig({ [name]: value });
          } catch (error) {
            message = (error as Error).message;
          }
          if (message !== undefined) {
            expect(message.startsWith(`invalid configuration: ${name}: `)).toBe(true);
            expect(message.split('\n')).toHaveLength(1);
          }
        },
      ),
    );
  });
});
