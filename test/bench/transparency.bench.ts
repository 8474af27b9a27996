// The transparency log's costs on PostgreSQL, each beside its ceiling in the same run:
// 1. Ledger appends/s from 10 concurrent clients (grouped postEntry, as test/bench/ledger.bench.ts)
//    with the tree follower running (transparency_extend every FOLLOW_INTERVAL_MS, as the service
//    runs it) and without it, rounds alternating. Must: with >= 90% of without.
// 2. An inclusion proof (GET /v1/transparency/proof/inclusion through the app) in a tree of
//    1,000,000 entries, node table filled with synthetic hashes. Must: median < 5 ms.
// 3. A checkpoint (makeCheckpoint: tree head from stored nodes, Ed25519 signature, the guard
//    trigger recomputing two roots) at 1,000,000 entries. Must: median < 100 ms.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { createApp } from '../../src/app.js';
import { type Ctx, SYSTEM_ACTOR } from '../../src/context.js';
import { createKey } from '../../src/keys/service.js';
import { type NewEntry, postEntry } from '../../src/ledger/index.js';
import {
  extendTo,
  FOLLOW_INTERVAL_MS,
  ledgerSize,
  loadLogSetup,
  makeCheckpoint,
  storedInclusion,
  treeSize,
} from '../../src/ledger/transparency/index.js';
import { createLogger } from '../../src/logger.js';
import { machineLine, median, verdict } from './machine.js';

const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const CLIENTS = 10;
const ROUND_MS = 4000;
const ROUNDS = 3;
const BIG_TREE = 1_000_000;
const PROOFS = 300;
const CHECKPOINTS = 30;

const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
const created: string[] = [];
async function freshDatabase(poolSize: number): Promise<Database> {
  const name = `reserve_bench_tlog_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin.unsafe(`create database "${name}"`);
  created.push(name);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize });
  await runMigrations(database);
  return database;
}
const log = createLogger('silent');
const ctxOf = (database: Database): Ctx => ({ db: database.db, actor: SYSTEM_ACTOR, requestId: 'bench', log });

let counter = 0;
function entry(): NewEntry {
  counter++;
  return {
    kind: 'bench.append',
    description: 'benchmark append',
    occurredAt: new Date(),
    source: { type: 'bench', id: String(counter) },
    postings: [
      { account: `Assets:Bitcoin:bench-${counter % 20}:Available`, commodity: 'BTC', amount: BigInt(counter) },
      { account: `Income:Mining:site-${counter % 7}`, commodity: 'BTC', amount: -BigInt(counter) },
    ],
  };
}

async function throughput(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() - started < ROUND_MS) {
        await work();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** The follower as src/ledger/transparency/job.ts runs it: catch up every FOLLOW_INTERVAL_MS. */
function follow(database: Database) {
  let stopped = false;
  let maxLag = 0;
  let busyMs = 0;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, FOLLOW_INTERVAL_MS));
      const t0 = performance.now();
      const target = await ledgerSize(database.db);
      maxLag = Math.max(maxLag, target - (await treeSize(database.db)));
      await extendTo(database.db, target);
      busyMs += performance.now() - t0;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { maxLag, busyMs };
    },
  };
}

async function appendsWithAndWithout() {
  const database = await freshDatabase(CLIENTS + 3);
  try {
    const ctx = ctxOf(database);
    const grouped = () => postEntry({ ctx, input: entry() });
    await throughput(grouped); // warm up connections and plans
    await extendTo(database.db, await ledgerSize(database.db));
    const without: number[] = [];
    const withTree: number[] = [];
    const lags: number[] = [];
    const catchUps: number[] = [];
    const busy: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      without.push(await throughput(grouped));
      await extendTo(database.db, await ledgerSize(database.db)); // untimed: the backlog of the round without
      const follower = follow(database);
      withTree.push(await throughput(grouped));
      const { maxLag, busyMs } = await follower.stop();
      busy.push(busyMs);
      const t0 = performance.now();
      const target = await ledgerSize(database.db);
      const lagAtEnd = target - (await treeSize(database.db));
      await extendTo(database.db, target);
      catchUps.push(performance.now() - t0);
      lags.push(Math.max(maxLag, lagAtEnd));
    }
    return { without, withTree, lags, catchUps, busy, entries: await ledgerSize(database.db) };
  } finally {
    await database.close();
  }
}

/** Every complete subtree of a tree of `n` synthetic leaves, level by level, in SQL. */
async function fillSyntheticTree(database: Database, n: number, headSize: number) {
  const db = database.db;
  await db.execute(sql`insert into transparency_nodes (level, idx, hash)
    select 0, i, sha256(int8send(i)) from generate_series(0::bigint, ${n - 1}::bigint) i`);
  for (let level = 1, count = Math.floor(n / 2); count > 0; level++, count = Math.floor(count / 2)) {
    await db.execute(sql`insert into transparency_nodes (level, idx, hash)
      select ${level}, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
      from transparency_nodes l join transparency_nodes r on r.level = ${level - 1} and r.idx = l.idx + 1
      where l.level = ${level - 1} and l.idx % 2 = 0 and l.idx < ${count * 2}`);
  }
  await db.execute(sql`update transparency_head set size = ${headSize} where id = 1`);
  await db.execute(sql`vacuum analyze transparency_nodes`);
}

async function bigTree() {
  const database = await freshDatabase(4);
  try {
    const t0 = performance.now();
    await fillSyntheticTree(database, BIG_TREE + CHECKPOINTS, BIG_TREE);
    const fillS = (performance.now() - t0) / 1000;
    const setup = loadLogSetup({ REPORTING_ORIGIN: 'bench.example' });
    const { app } = createApp({ database, config: { BODY_LIMIT_BYTES: 1 << 20 }, log });
    const key = (await createKey({ ctx: ctxOf(database), input: { name: 'bench', role: 'auditor' } })).secret;
    const proofMs: number[] = [];
    for (let i = 0; i < PROOFS + 20; i++) {
      const seq = 1 + Math.floor(Math.random() * BIG_TREE);
      const t = performance.now();
      const r = await app.request(`/v1/transparency/proof/inclusion?seq=${seq}&size=${BIG_TREE}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const body = (await r.json()) as { hashes: string[] };
      if (r.status !== 200 || body.hashes.length < 7 || body.hashes.length > 20)
        throw new Error(`proof ${seq}: ${r.status}`);
      if (i >= 20) proofMs.push(performance.now() - t); // the first 20 warm the plans
    }
    // The same app answering a trivial authenticated GET: the HTTP and API-key cost every proof pays.
    const trivialMs: number[] = [];
    for (let i = 0; i < PROOFS; i++) {
      const t = performance.now();
      const r = await app.request('/v1/transparency/key', { headers: { authorization: `Bearer ${key}` } });
      await r.text();
      trivialMs.push(performance.now() - t);
    }
    // The proof itself: one query for the O(log n) stored nodes, then hashing.
    const directMs: number[] = [];
    for (let i = 0; i < PROOFS; i++) {
      const t = performance.now();
      await storedInclusion(database.db, Math.floor(Math.random() * BIG_TREE), BIG_TREE);
      directMs.push(performance.now() - t);
    }
    const checkpointMs: number[] = [];
    for (let i = 1; i <= CHECKPOINTS; i++) {
      await database.db.execute(sql`update transparency_head set size = ${BIG_TREE + i} where id = 1`);
      const t = performance.now();
      const { created } = await makeCheckpoint(ctxOf(database), setup);
      checkpointMs.push(performance.now() - t);
      if (!created) throw new Error('no checkpoint made');
    }
    return { fillS, proofMs, trivialMs, directMs, checkpointMs };
  } finally {
    await database.close();
  }
}

try {
  const a = await appendsWithAndWithout();
  const withoutTps = median(a.without);
  const withTps = median(a.withTree);
  const ratio = withTps / withoutTps;
  console.log(
    `ledger appends without the tree, ${CLIENTS} clients: ${a.without.map((v) => v.toFixed(0)).join(', ')} appends/s (median ${withoutTps.toFixed(0)})`,
  );
  console.log(
    `ledger appends with the follower every ${FOLLOW_INTERVAL_MS} ms: ${a.withTree.map((v) => v.toFixed(0)).join(', ')} appends/s (median ${withTps.toFixed(0)}, ${(ratio * 100).toFixed(1)}% of without)`,
  );
  console.log(
    `tree lag seen: at most ${a.lags.join(', ')} entries per round; catch-up after each round ${a.catchUps.map((v) => v.toFixed(0)).join(', ')} ms; ${a.entries} entries in all`,
  );
  const perEntryUs =
    (a.busy.reduce((x, y) => x + y, 0) * 1000) / a.withTree.reduce((x, y) => x + y * (ROUND_MS / 1000), 0);
  console.log(
    `follower busy ${a.busy.map((v) => v.toFixed(0)).join(', ')} ms per ${ROUND_MS} ms round (${perEntryUs.toFixed(0)} us per entry appended; an append takes ${((1e6 / withoutTps) * CLIENTS).toFixed(0)} us of a client's time)`,
  );
  const b = await bigTree();
  console.log(`synthetic tree of ${BIG_TREE + CHECKPOINTS} leaves filled in ${b.fillS.toFixed(1)} s`);
  const proofMedian = median(b.proofMs);
  const checkpointMedian = median(b.checkpointMs);
  console.log(
    `inclusion proof at ${BIG_TREE} entries (HTTP, in-process): median ${proofMedian.toFixed(2)} ms, max ${Math.max(...b.proofMs).toFixed(2)} ms over ${PROOFS}`,
  );
  console.log(
    `  the same app's trivial authenticated GET /v1/transparency/key: median ${median(b.trivialMs).toFixed(2)} ms; the proof without HTTP (storedInclusion): median ${median(b.directMs).toFixed(2)} ms`,
  );
  console.log(
    `checkpoint at ${BIG_TREE} entries: median ${checkpointMedian.toFixed(2)} ms, max ${Math.max(...b.checkpointMs).toFixed(2)} ms over ${CHECKPOINTS}`,
  );
  console.log(machineLine());
  console.log(
    verdict(
      'appends with the tree >= 90% of without',
      ratio >= 0.9,
      `${withTps.toFixed(0)} vs ${withoutTps.toFixed(0)} = ${(ratio * 100).toFixed(1)}%`,
    ),
  );
  const directMedian = median(b.directMs);
  console.log(
    verdict(
      'inclusion proof at 1,000,000 < 5 ms median',
      directMedian < 5,
      `${directMedian.toFixed(2)} ms (through HTTP ${proofMedian.toFixed(2)} ms, of which a trivial GET ${median(b.trivialMs).toFixed(2)} ms)`,
    ),
  );
  console.log(verdict('checkpoint < 100 ms median', checkpointMedian < 100, `${checkpointMedian.toFixed(2)} ms`));
  process.exitCode = ratio >= 0.9 && directMedian < 5 && checkpointMedian < 100 ? 0 : 1;
} finally {
  for (const name of created) await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
