// The demo year (src/production/demo/year.ts, as `reserve demo` builds it) through the real app
// in-process: the data the browser tests, the month-end tie-out and the console bench read.
// Building it costs ~100 s of CPU, so a full run builds it once (test/support/demo-snapshot.ts)
// and each file opens its own copy; a file run alone, or the bench, builds its own.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../../src/app.js';
import { type Ctx, type Role, SYSTEM_ACTOR } from '../../src/context.js';
import { createKey } from '../../src/keys/service.js';
import { loadAndSyncPolicies } from '../../src/policies/startup.js';
import { buildDemoYear } from '../../src/production/demo/year.js';
import { EXAMPLE_POLICIES_DIR, silentLog } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { openDemoSnapshot } from '../support/demo-snapshot.js';

/** What a built demo year needs to be used again: its keys, the fleet's secret, its summary. */
export interface DemoSeed {
  keys: Record<Role, string>;
  keyIds: Record<Role, string>;
  secret: string;
  summary: Awaited<ReturnType<typeof buildDemoYear>>;
}

/** Builds the demo year into `database` (migrated, empty) through the app, as `reserve demo` does. */
export async function seedDemoYear(database: TestDatabase): Promise<DemoSeed> {
  await loadAndSyncPolicies(database.db, EXAMPLE_POLICIES_DIR, silentLog);
  const ctx: Ctx = { db: database.db, actor: SYSTEM_ACTOR, requestId: 'demo', log: silentLog };
  const keys = {} as Record<Role, string>;
  const keyIds = {} as Record<Role, string>;
  for (const role of ['admin', 'officer', 'approver', 'auditor'] as const) {
    const created = await createKey({ ctx, input: { name: `demo ${role}`, role } });
    keys[role] = created.secret;
    keyIds[role] = created.key.id;
  }
  // The spends after the year: proposed by the officer, approved by three approvers (the cold vault's quorum).
  const approvers = [keys.approver];
  for (const n of [2, 3])
    approvers.push((await createKey({ ctx, input: { name: `demo approver ${n}`, role: 'approver' } })).secret);
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const { app, fleet } = demoApp(database, secret);
  const now = new Date();
  const summary = await buildDemoYear(
    {
      api: (method, path, body, key) =>
        call(app, path, method, JSON.stringify(body ?? {}), {
          authorization: `Bearer ${key ?? keys.admin}`,
        }),
      fleet,
      policyId: 'regtest-cold',
      progress: () => {},
      spendKeys: { officer: keys.officer, approvers },
    },
    // The twelve whole months before this one, as `reserve demo` does.
    new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1)),
  );
  return { keys, keyIds, secret, summary };
}

type App = ReturnType<typeof createApp>['app'];

async function call(app: App, path: string, method: string, body: string, headers: Record<string, string>) {
  const res = await app.request(path, {
    method,
    body: method === 'GET' ? undefined : body,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The app over a demo database, and a fleet that signs events with the demo's secret. */
function demoApp(database: TestDatabase, secret: string, options: { publicPage?: boolean } = {}) {
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
  const fleet = (event: { type: string; timestamp: string; data: Record<string, unknown> }) => {
    const body = JSON.stringify(event);
    const id = `demo_${randomBytes(12).toString('hex')}`;
    const at = new Date();
    return call(app, '/v1/webhooks/fleet', 'POST', body, {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(id, at, body),
    });
  };
  return { app, fleet };
}

/**
 * The demo year on a database of this file's own: a copy of the run's shared build when there is
 * one (see test/support/demo-snapshot.ts), else built here.
 */
export async function demoYearApp(options: { publicPage?: boolean } = {}) {
  const shared = await openDemoSnapshot();
  const database = shared?.database ?? (await createTestDatabase());
  const seed = shared?.seed ?? (await seedDemoYear(database));
  const { app, fleet } = demoApp(database, seed.secret, options);
  return { app, database, ...seed, fleet, close: () => database.close() };
}

export type DemoYearApp = Awaited<ReturnType<typeof demoYearApp>>;
