import { createApp } from '../../src/app.js';
import { SYSTEM_ACTOR, type Ctx, type Role } from '../../src/context.js';
import { createKey } from '../../src/keys/service.js';
import { createLogger } from '../../src/logger.js';
import { loadAndSyncPolicies } from '../../src/policies/startup.js';
import { createSite } from '../../src/production/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { assertDeclaredResponse, declaredRoutes } from './validate.js';

export const silentLog = createLogger('silent');

export function systemCtx(database: TestDatabase, requestId = 'test'): Ctx {
  return { db: database.db, actor: SYSTEM_ACTOR, requestId, log: silentLog };
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  /** Raw body; sent as-is. */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Skip the check of the answer against the route's declared response (only for a test of the check itself). */
  unchecked?: boolean;
}

/** The repository's example policies (regtest-cold, regtest-warm, testnet-drill). */
export const EXAMPLE_POLICIES_DIR = new URL('../../policies', import.meta.url).pathname;

/**
 * The real Hono app on a fresh database, driven in-process through app.request:
 * every middleware, validator and SQL statement runs as in production. Every answer is
 * checked against its route's declared responses (status, content type, JSON body; validate.ts).
 * policiesDir: a directory of policy files loaded and synced as at start (default: the examples); null for none.
 */
export async function createTestApp(
  options: { bodyLimitBytes?: number; policiesDir?: string | null; webhookSecrets?: string[] } = {},
) {
  const database = await createTestDatabase();
  if (options.policiesDir !== null)
    await loadAndSyncPolicies(database.db, options.policiesDir ?? EXAMPLE_POLICIES_DIR, silentLog);
  const { app } = createApp({
    database,
    config: {
      BODY_LIMIT_BYTES: options.bodyLimitBytes ?? 1024 * 1024,
      FLEET_WEBHOOK_SECRETS: options.webhookSecrets ?? [],
    },
    log: silentLog,
  });
  const routes = declaredRoutes(app);
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'officer', 'approver', 'auditor'] as const) {
    keys[role] = (await createKey({ ctx: systemCtx(database), input: { name: `test ${role}`, role } })).secret;
  }

  async function request(method: string, path: string, opts: RequestOptions = {}) {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? keys.admin : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    if (body !== undefined)
      headers['content-length'] ??= String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const answer = { status: response.status, headers: response.headers, text, json };
    if (!opts.unchecked && method.toUpperCase() !== 'HEAD') assertDeclaredResponse(routes, method, path, answer);
    return answer;
  }

  return { app, routes, database, keys, request, ctx: () => systemCtx(database), close: () => database.close() };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/**
 * Registers mining sites (solo, hydro) so that payouts may name them: the webhook refuses a
 * payout for a site it does not know (422 naming data.site_id). Sites already there are kept.
 */
export async function registerSites(t: { ctx: () => Ctx }, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    try {
      await createSite({
        ctx: t.ctx(),
        input: {
          id,
          name: id,
          region: 'test',
          energy_source: 'hydro',
          pool: { kind: 'solo' },
          energy_supplier: 'test-supplier',
        },
      });
    } catch (error) {
      if (!(error instanceof Error && /already exists/.test(error.message))) throw error;
    }
  }
}
