// npm run bench export: the ledger export over HTTP (CSV and JSON Lines, 1,000,000 postings)
// beside PostgreSQL's own COPY (SELECT ...) TO STDOUT of the same rows in the same run (both
// written to a file by the bench: the same sink), the
// server's peak RSS growth while exporting, and `reserve verify` speed on the exported files.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { SYSTEM_ACTOR } from '../../src/context.js';
import { createKey } from '../../src/keys/service.js';
import { createLogger } from '../../src/logger.js';
import { verifyLedgerExport } from '../../src/verify/verify.js';
import { loadLedger } from './export-fixture.js';
import { machineLine, median, verdict } from './machine.js';

const POSTINGS = Number(process.env.BENCH_EXPORT_POSTINGS ?? 1_000_000);
const ENTRIES = POSTINGS / 2;
const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = `reserve_bench_export_${ENTRIES}`;
const RUNS = 2;
const TIMEOUT_MS = 300_000;

const dbUrl = (() => {
  const url = new URL(SERVER);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
})();
const work = mkdtempSync(join(tmpdir(), 'reserve-bench-export-'));
const mb = (bytes: number) => bytes / 2 ** 20;

/** A database holding the synthetic ledger, reused by later runs when it is complete. */
async function prepareDatabase(): Promise<void> {
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${DB_NAME}`;
    if (exists) {
      const db = postgres(dbUrl, { max: 1, onnotice: () => {} });
      const [head] = await db`select last_seq::text as seq from ledger_chain_head where id = 1`.catch(() => [
        undefined,
      ]);
      await db.end();
      if (head?.seq === String(ENTRIES))
        return console.log(`ledger: reusing database ${DB_NAME} (${ENTRIES} entries, ${POSTINGS} postings)`);
      await admin.unsafe(`drop database "${DB_NAME}" with (force)`);
    }
    await admin.unsafe(`create database "${DB_NAME}"`);
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ databaseUrl: dbUrl, poolSize: 2 });
  await runMigrations(database);
  await database.close();
  const started = performance.now();
  await loadLedger(dbUrl, ENTRIES);
  console.log(
    `ledger: loaded ${ENTRIES} entries, ${POSTINGS} postings into ${DB_NAME} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

async function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '4',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('the server exited while starting');
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, base };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready in 30 s');
}

/** One export over HTTP into a file: rows/s and the server's peak RSS growth during it. */
async function exportOnce(base: string, key: string, pid: number, format: 'csv' | 'jsonl', path: string) {
  const baseline = procStatus(pid, 'VmRSS');
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
  let sampledPeak = baseline;
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, procStatus(pid, 'VmRSS'))), 50);
  const started = performance.now();
  try {
    // node:http into the file, as the ceiling's COPY goes into one: the same sink on both sides,
    // so the ratio is the service's cost over COPY's (fetch's web stream cost the client ~2x more).
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpGet(
        `${base}/v1/exports/ledger?format=${format}`,
        { headers: { authorization: `Bearer ${key}` }, timeout: TIMEOUT_MS },
        resolve,
      );
      req.once('error', reject);
    });
    if (res.statusCode !== 200) throw new Error(`export answered ${res.statusCode}`);
    await pipeline(res, createWriteStream(path));
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const peak = Math.max(procStatus(pid, 'VmHWM'), sampledPeak);
  return { seconds, rowsPerSecond: POSTINGS / seconds, growth: peak - baseline, bytes: statSync(path).size };
}

/** PostgreSQL's own COPY of the same join, streamed through postgres.js on a connection of its own. */
async function copyCeiling(path: string): Promise<{ seconds: number; rowsPerSecond: number; bytes: number }> {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const timer = setTimeout(() => void sql.end({ timeout: 0 }), TIMEOUT_MS);
  try {
    let bytes = 0;
    const started = performance.now();
    const readable = await sql
      .unsafe(`copy (
      select e.seq, e.id, e.occurred_at, e.recorded_at, e.kind, e.description, e.source_type, e.source_id, e.actor, e.reverses_seq,
        e.prev_hash, e.hash, p.idx, p.account, p.commodity, coalesce(p.amount_sat::text, p.amount::text), p.price_amount, p.price_commodity,
        p.cost_amount, p.cost_commodity
      from ledger_entries e join ledger_postings p on p.entry_id = e.id order by e.seq, p.idx) to stdout with (format csv)`)
      .readable();
    readable.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(readable, createWriteStream(path));
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rowsPerSecond: POSTINGS / seconds, bytes };
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 5 });
  }
}

async function verifyOnce(path: string) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const summary = await verifyLedgerExport(path);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (summary.postings !== POSTINGS)
    throw new Error(`verify counted ${summary.postings} postings, expected ${POSTINGS}`);
  // CPU time beside wall time: on a shared, loaded machine the two differ a lot.
  return {
    seconds,
    postingsPerSecond: POSTINGS / seconds,
    postingsPerCpuSecond: POSTINGS / ((used.user + used.system) / 1e6),
    head: summary.head_hash,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
let failed = false;
const report = (name: string, ok: boolean, text: string) => {
  failed ||= !ok;
  console.log(verdict(name, ok, text));
};

let server: { child: ChildProcess; base: string } | undefined;
try {
  await prepareDatabase();
  const keyDb = await openDatabase({ databaseUrl: dbUrl, poolSize: 1 });
  const { secret } = await createKey({
    ctx: { db: keyDb.db, actor: SYSTEM_ACTOR, requestId: 'bench', log: createLogger('silent') },
    input: { name: 'bench auditor', role: 'auditor' },
  });
  await keyDb.close();
  server = await startServer();
  const pid = server.child.pid!;

  const copies: number[] = [];
  for (let r = 0; r < RUNS; r++) copies.push((await copyCeiling(join(work, 'copy.csv'))).rowsPerSecond);
  rmSync(join(work, 'copy.csv'), { force: true });
  const ceiling = median(copies);
  console.log(
    `COPY (SELECT ...) TO STDOUT ceiling: ${fmt(ceiling)} rows/s (median of ${RUNS}: ${copies.map(fmt).join(', ')})`,
  );

  const files = { csv: join(work, 'ledger.csv'), jsonl: join(work, 'ledger.jsonl') };
  for (const format of ['csv', 'jsonl'] as const) {
    // Warm-up: the first request of a kind loads and compiles code; that is not the export's memory.
    const warm = await fetch(`${server.base}/v1/exports/ledger?format=${format}&to_seq=2000`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    await warm.arrayBuffer();
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await exportOnce(server.base, secret, pid, format, files[format]));
    const rate = median(runs.map((x) => x.rowsPerSecond));
    const growth = Math.max(...runs.map((x) => x.growth));
    console.log(
      `export ${format}: ${fmt(rate)} postings/s over HTTP (median of ${RUNS}: ${runs.map((x) => `${fmt(x.rowsPerSecond)} in ${x.seconds.toFixed(2)} s`).join(', ')}), ${mb(runs[0]!.bytes).toFixed(0)} MiB, server peak RSS growth ${mb(growth).toFixed(1)} MiB`,
    );
    report(
      `export ${format} speed`,
      rate >= 0.25 * ceiling,
      `${fmt(rate)} rows/s is ${((100 * rate) / ceiling).toFixed(0)}% of COPY's ${fmt(ceiling)} (must >= 25%, aim 75%)`,
    );
    report(
      `export ${format} memory`,
      growth < 150 * 2 ** 20,
      `server peak RSS growth ${mb(growth).toFixed(1)} MiB (must < 150 MiB)`,
    );
  }

  // Verify twice per format and judge the faster run: the machine is shared, and the load
  // (printed with each run) moves wall time far more than CPU time.
  for (const format of ['jsonl', 'csv'] as const) {
    const results = [];
    for (let r = 0; r < RUNS; r++) {
      const load = loadavg()[0]!.toFixed(1);
      const result = await verifyOnce(files[format]);
      results.push(result);
      console.log(
        `reserve verify ${format}: ${fmt(result.postingsPerSecond)} postings/s (${result.seconds.toFixed(2)} s wall; ${fmt(result.postingsPerCpuSecond)} postings per CPU second; load ${load}), head ${result.head}`,
      );
    }
    const best = results.reduce((a, b) => (b.postingsPerSecond > a.postingsPerSecond ? b : a));
    report(
      `verify ${format} speed`,
      best.postingsPerSecond >= 100_000,
      `${fmt(best.postingsPerSecond)} postings/s, ${fmt(best.postingsPerCpuSecond)} per CPU second (best of ${RUNS}; must >= 100,000, aim 400,000)`,
    );
  }
  console.log(machineLine());
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  server?.child.kill('SIGTERM');
  if (process.env.BENCH_EXPORT_KEEP) console.log(`kept the exported files in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
