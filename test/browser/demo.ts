// The demo year (src/production/demo/year.ts, as `reserve demo` builds it) on a fresh test
// database, through the real app in-process: the data every browser test and the console bench read.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../../src/app.js';
import { type Ctx, type Role, SYSTEM_ACTOR } from '../../src/context.js';
import { createKey } from '../../src/keys/service.js';
import { loadAndSyncPolicies } from '../../src/policies/startup.js';
import { buildDemoYear } from '../../src/production/demo/year.js';
import { EXAMPLE_POLICIES_DIR, silentLog } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';

export async function demoYearApp(options: { publicPage?: boolean } = {}) {
  const database = await createTestDatabase();
  await loadAndSyncPolicies(database.db, EXAMPLE_POLICIES_DIR, silentLog);
  const ctx: Ctx = { db: database.db, actor: SYSTEM_ACTOR, requestId: 'demo', log: silentLog };
  const keys = {} as Record<Role, string>;
  const keyIds = {} as Record<Role, string>;
  for (const role of ['admin', 'officer', 'approver', 'auditor'] as const) {
    const created = await createKey({ ctx, input: { name: `demo ${role}`, role } });
    keys[role] = created.secret;
    keyIds[role] = created.key.id;
  }
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const { app } = createApp({
    database,
    config: {
      BODY_LIMIT_BYTES: 1024 * 1024,
      FLEET_WEBHOOK_SECRETS: [secret],
      REPORTING_CURRENCY: 'USD',
      PUBLIC_PAGE: options.publicPage ? 'on' : 'off',
    },
    log: silentLog,
  });
  const signer = new Webhook(secret);
  const call = async (path: string, method: string, body: string, headers: Record<string, string>) => {
    const res = await app.request(path, {
      method,
      body,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  const now = new Date();
  const fleet = (event: { type: string; timestamp: string; data: Record<string, unknown> }) => {
    const body = JSON.stringify(event);
    const id = `demo_${randomBytes(12).toString('hex')}`;
    const at = new Date();
    return call('/v1/webhooks/fleet', 'POST', body, {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(id, at, body),
    });
  };
  const summary = await buildDemoYear(
    {
      api: (method, path, body) =>
        call(path, method, JSON.stringify(body ?? {}), { authorization: `Bearer ${keys.admin}` }),
      fleet,
      policyId: 'regtest-cold',
      progress: () => {},
    },
    // The twelve whole months before this one, as `reserve demo` does.
    new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1)),
  );
  return { app, database, keys, keyIds, summary, fleet, close: () => database.close() };
}

/** What the browser tests read (a cached copy has no webhook signer). */
export type DemoYearApp = Omit<Awaited<ReturnType<typeof demoYearApp>>, 'fleet'>;
