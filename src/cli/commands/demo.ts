import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Webhook } from 'standardwebhooks';
import { openDatabase } from '../../../db/client.js';
import { runMigrations } from '../../../db/migrate.js';
import { createApp } from '../../app.js';
import { loadChainSettings, setChainSettings } from '../../chain/index.js';
import { loadConfig } from '../../config.js';
import { SYSTEM_ACTOR, type Ctx } from '../../context.js';
import { createKey } from '../../keys/index.js';
import { createLogger } from '../../logger.js';
import { loadAndSyncPolicies } from '../../policies/index.js';
import { buildDemoYear } from '../../production/index.js';
import { startServer } from '../../server.js';

// `reserve demo`: builds a realistic year for four mining sites in a PGlite data directory of
// its own, through the real HTTP API and the signed fleet webhook; with --start, serves it.

interface DemoOptions {
  dataDir: string;
  force: boolean;
  start: boolean;
  port: string;
}

function startOfYearWindow(now = new Date()): Date {
  // The twelve whole months before this one, so that every period is settled.
  return new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1));
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const dir = resolve(options.dataDir);
  if (existsSync(join(dir, 'pg'))) {
    if (!options.force) {
      console.error(`reserve demo: ${dir} already holds a database; pass --force to rebuild it`);
      return 2;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const log = createLogger('warn');
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined, DATA_DIR: dir });
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const database = await openDatabase({ dataDir: dir });
  let open = true;
  let adminKey = '';
  try {
    await runMigrations(database);
    await loadAndSyncPolicies(database.db, config.POLICIES_DIR, log);
    const ctx: Ctx = { db: database.db, actor: SYSTEM_ACTOR, requestId: 'demo', log };
    adminKey = (await createKey({ ctx, input: { name: 'demo admin', role: 'admin' } })).secret;
    // The spends after the year: an officer proposes, three approvers (the cold vault's quorum) approve.
    const officer = (await createKey({ ctx, input: { name: 'demo officer', role: 'officer' } })).secret;
    const approvers: string[] = [];
    for (const n of [1, 2, 3])
      approvers.push((await createKey({ ctx, input: { name: `demo approver ${n}`, role: 'approver' } })).secret);
    // The demo mines its own regtest chain from the genesis, whatever the shell says.
    setChainSettings(loadChainSettings({ CHAIN_NETWORK: 'regtest' }));
    const { app } = createApp({ database, config: { ...config, FLEET_WEBHOOK_SECRETS: [secret] }, log });
    const signer = new Webhook(secret);
    const call = async (path: string, method: string, body: string, headers: Record<string, string>) => {
      const res = await app.request(path, {
        method,
        body: method === 'GET' ? undefined : body,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
      return text ? JSON.parse(text) : undefined;
    };
    const started = performance.now();
    const summary = await buildDemoYear(
      {
        api: (method, path, body, key) =>
          call(path, method, JSON.stringify(body ?? {}), {
            authorization: `Bearer ${key ?? adminKey}`,
          }),
        fleet: (event) => {
          const body = JSON.stringify(event);
          const id = `demo_${randomBytes(12).toString('hex')}`;
          const now = new Date();
          return call('/v1/webhooks/fleet', 'POST', body, {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signer.sign(id, now, body),
          });
        },
        policyId: 'regtest-cold',
        progress: (line) => console.log(`demo: ${line}`),
        spendKeys: { officer, approvers },
      },
      startOfYearWindow(),
    );
    writeFileSync(join(dir, 'demo-admin.key'), `${adminKey}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'fleet-webhook.secret'), `${secret}\n`, { mode: 0o600 });
    console.log(
      `demo: built ${summary.from}..${summary.to}: ${summary.sites.length} sites, ${summary.reports} production reports, ${summary.payouts} pool payouts, ` +
        `${summary.blocks} regtest blocks to height ${summary.tipHeight}, ${summary.soloBlocks} solo blocks (one orphaned by a reorg), ${summary.spends.length} spends in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(`demo: data in ${dir}; admin key in ${join(dir, 'demo-admin.key')}`);
    if (!options.start) return 0;
    await database.close();
    open = false;
    const running = await startServer(
      loadConfig({
        ...process.env,
        DATABASE_URL: undefined,
        DATA_DIR: dir,
        PORT: options.port,
        FLEET_WEBHOOK_SECRETS: secret,
      }),
      createLogger('info'),
    );
    const base = `http://127.0.0.1:${running.port}`;
    // The key once; the commands refer to it through the shell, so it is not repeated on screen.
    const auth = '-H "Authorization: Bearer $RESERVE_API_KEY"';
    console.log(
      [
        '',
        'Reserve demo is running. The admin key (shown once; also in the file above):',
        `  export RESERVE_API_KEY=${adminKey}`,
        'Where to look:',
        `  API docs           ${base}/docs`,
        `  reconciliation     curl ${auth} "${base}/v1/reconciliation?from=${summary.from}&to=${summary.to}&granularity=month"`,
        `  ... as CSV         curl ${auth} "${base}/v1/reconciliation?from=${summary.from}&to=${summary.to}&format=csv"`,
        `  holdings valued    curl ${auth} "${base}/v1/reports/holdings?currency=USD"`,
        `  roll-forward       curl ${auth} "${base}/v1/reports/rollforward?from=${summary.from}T00:00:00Z&to=${summary.to}T00:00:00Z"`,
        `  proof of reserves  curl ${auth} "${base}/v1/reports/proof-of-reserves"`,
        "Look for: the nuclear site's missing payouts, the flare site's underpaying pool, the solo site's blocks and its orphaned one.",
        'Ctrl-C stops it.',
      ].join('\n'),
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => void running.stop().then(() => process.exit(0)));
    await new Promise(() => {});
    return 0;
  } finally {
    if (open) await database.close();
  }
}

export function registerDemoCommands(program: Command) {
  program
    .command('demo')
    .description(
      'build a realistic demo year (four sites, tariffs in BYN, payouts, a reorg) in its own data directory; --start serves it',
    )
    .option('--data-dir <dir>', 'PGlite data directory for the demo (under the ignored data/)', './data/demo')
    .option('--force', 'rebuild the demo data directory if it exists', false)
    .option('--start', 'start the service on the demo data afterwards', false)
    .option('--port <port>', 'port for --start', '8080')
    .action(async (opts: DemoOptions) => {
      const code = await runDemo(opts);
      if (code !== 0) process.exit(code);
    });
}
