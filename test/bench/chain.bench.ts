// npm run bench chain: chain truth under load. Part 1, ingestion: 10,000 real mined regtest blocks
// (src/bitcoin/regtest.ts mineBlock, five transactions each) posted through the fleet webhook in
// process (signed deliveries into the real Hono app and database: PGlite, or PostgreSQL with
// DATABASE_URL) as a follower does, a batch's headers before its payouts: 10,000 block.connected
// with header_hex and 10,000 payout.received proven by a three-level merkle branch, for a
// registered site. The header rules and the branch folds are then run alone on the same inputs,
// so their share of the ingestion time is printed beside it.
// Part 2, the pure rules beside their ceiling in the same run: header checks against bare
// double-SHA-256 of the same 80-byte headers, branch folds (depth 12) against the bare hashing a
// fold needs. Must: each at least 25% of its ceiling.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.js';
import { createApp } from '../../src/app.js';
import { coinbaseTx, mineBlock, paymentTx, type RegtestBlock } from '../../src/bitcoin/regtest.js';
import {
  BIP34_HEIGHT,
  type ChainEntry,
  CHAIN_PARAMS,
  checkHeader,
  foldBranch,
  merkleBranchesDisplay,
  merkleRoot,
  parseHeader,
  parseHeaderHex,
  sha256d,
  toDisplayHex,
  verifyTxProof,
  workFromBits,
} from '../../src/chain/spv/index.js';
import { listAddresses } from '../../src/policies/service.js';
import { EXAMPLE_POLICIES_DIR, registerSites, silentLog, systemCtx } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { loadAndSyncPolicies } from '../../src/policies/startup.js';
import { blockConnectedWithHeader, payoutReceived, signEvent, TEST_SECRET } from '../support/webhook.js';
import { machineLine, median, verdict } from './machine.js';

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 10_000);
const BATCH = 100;
const PROOFS = 10_000;
// Pure-rule rounds: each pairs a checked run with a bare one back to back, and the verdict takes
// the median of the rounds' own ratios, so a load change between rounds moves neither side alone.
const ROUNDS = 9;
const REQUIRED_RATIO = 0.25;
const PAY_INDEX = 2; // the vault payment's place among the block's five transactions
const params = CHAIN_PARAMS.regtest;
const engine = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---- Part 1: ingestion through the webhook ----------------------------------------------------

const database = await createTestDatabase();
await loadAndSyncPolicies(database.db, EXAMPLE_POLICIES_DIR, silentLog);
const { app } = createApp({
  database,
  config: { BODY_LIMIT_BYTES: 1024 * 1024, FLEET_WEBHOOK_SECRETS: [TEST_SECRET] },
  log: silentLog,
});
const ctx = () => systemCtx(database);
await registerSites({ ctx }, ['bench-site']); // an unknown site_id would be a 422
const vault = (await listAddresses(ctx(), { policyId: 'regtest-cold', chain: 0, from: 0, count: 10 })).items.map(
  (i) => ({ address: i.derived.address, script: Buffer.from(i.derived.scriptPubKey) }),
);

interface Mined {
  block: RegtestBlock;
  headerHex: string;
  payout: Record<string, unknown>;
  proof: { rawTxHex: string; txIndex: number; merkleBranch: string[] };
}

function mine(count: number): { mined: Mined[]; ms: number } {
  const started = performance.now();
  const mined: Mined[] = [];
  let prev = params.genesisHash;
  for (let height = 1; height <= count; height++) {
    const filler = (seed: number) => paymentTx([{ script: Buffer.from([0x51]), valueSat: 1n }], height * 8 + seed);
    const to = vault[height % vault.length]!;
    const pay = paymentTx([{ script: to.script, valueSat: 10_000n + BigInt(height) }], height * 8 + 7);
    const txs = [coinbaseTx(height, [{ script: Buffer.from([0x51]), valueSat: 1n }], 'bench'), filler(1)];
    txs.push(pay, filler(2), filler(3));
    const block = mineBlock(height, prev, txs);
    const [branch] = merkleBranchesDisplay(
      txs.map((x) => x.getId()),
      [PAY_INDEX],
    );
    const proof = { rawTxHex: pay.toHex(), txIndex: PAY_INDEX, merkleBranch: branch! };
    const payout = {
      site_id: 'bench-site',
      txid: pay.getId(),
      vout: 0,
      address: to.address,
      amount_sat: String(pay.outs[0]!.value),
      coinbase: false,
      block_height: height,
      block_hash: block.hash,
      raw_tx_hex: proof.rawTxHex,
      tx_index: PAY_INDEX,
      merkle_branch: proof.merkleBranch,
    };
    mined.push({ block, headerHex: Buffer.from(block.block.toBuffer(true)).toString('hex'), payout, proof });
    prev = block.hash;
  }
  return { mined, ms: performance.now() - started };
}

async function deliver(event: unknown): Promise<void> {
  const signed = signEvent(event);
  const response = await app.request('/v1/webhooks/fleet', {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  if (response.status !== 200) throw new Error(`webhook ${response.status}: ${await response.text()}`);
}

/** CPU ms (user + system) of a process, from /proc (Linux); 0 when unreadable. */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/**
 * CPU used so far by this process and, on PostgreSQL, by the server backends of this database
 * (same machine): the cost of ingestion whatever the load does to its wall time.
 */
async function cpuNow(): Promise<{ node: number; db: number }> {
  const u = process.cpuUsage();
  const node = (u.user + u.system) / 1000;
  if (engine !== 'PostgreSQL') return { node, db: 0 };
  const pids = rowsOf<{ pid: number }>(
    await database.db.execute(sql`select pid from pg_stat_activity where datname = current_database()`),
  );
  return { node, db: pids.reduce((sum, r) => sum + procCpuMs(Number(r.pid)), 0) };
}

async function ingest(mined: Mined[]) {
  let headersMs = 0;
  let payoutsMs = 0;
  const cpu = { headers: { node: 0, db: 0 }, payouts: { node: 0, db: 0 } };
  const add = (
    into: { node: number; db: number },
    a: { node: number; db: number },
    b: { node: number; db: number },
  ) => {
    into.node += b.node - a.node;
    into.db += b.db - a.db;
  };
  for (let start = 0; start < mined.length; start += BATCH) {
    const batch = mined.slice(start, start + BATCH);
    let c = await cpuNow();
    let t = performance.now();
    for (const m of batch) await deliver(blockConnectedWithHeader(m.block));
    headersMs += performance.now() - t;
    let c2 = await cpuNow();
    add(cpu.headers, c, c2);
    c = c2;
    t = performance.now();
    for (const m of batch) await deliver(payoutReceived(m.payout));
    payoutsMs += performance.now() - t;
    c2 = await cpuNow();
    add(cpu.payouts, c, c2);
    if ((start + BATCH) % 1000 === 0)
      console.log(`  .. ${start + BATCH} blocks: headers ${seconds(headersMs)}, payouts ${seconds(payoutsMs)}`);
  }
  return { headersMs, payoutsMs, cpu };
}

/** The header rules the webhook runs per header (parse, hash, link, PoW, bits, MTP, clock), alone. */
function headerChecksMs(mined: Mined[]): number {
  const genesis = parseHeader(Buffer.from(params.genesisHeaderHex, 'hex'));
  const chain: ChainEntry[] = [
    { height: 0, hash: genesis.hash, time: genesis.time, bits: genesis.bits, chainwork: 2n },
  ];
  const started = performance.now();
  for (const m of mined) {
    const parent = chain[chain.length - 1]!;
    const header = parseHeaderHex(m.headerHex);
    chain.push(checkHeader({ params, header, parent, ancestor: (h) => chain[h], nowSec: Date.now() / 1000 }));
  }
  return performance.now() - started;
}

/** The proof check the webhook runs per payout (header parse, tx parse, coinbase rules, fold), alone. */
function branchChecksMs(mined: Mined[]): number {
  const started = performance.now();
  for (const m of mined) {
    const proven = verifyTxProof(m.proof, parseHeaderHex(m.headerHex), m.block.height, BIP34_HEIGHT.regtest);
    if (proven.txid !== m.payout.txid) throw new Error('proof mismatch');
  }
  return performance.now() - started;
}

/** What the service holds after the run: its tip, and its coins (every one proven and available). */
async function outcome(): Promise<{ tip: number; proven: number; coins: number }> {
  const [row] = rowsOf<{ tip: number; proven: number; coins: number }>(
    await database.db.execute(sql`select (select max(height) from chain_headers)::int as tip,
      (select count(*) from utxos where merkle_proven and status = 'available')::int as proven,
      (select count(*) from utxos)::int as coins`),
  );
  return { tip: Number(row!.tip), proven: Number(row!.proven), coins: Number(row!.coins) };
}

console.log(machineLine());
const { mined, ms: miningMs } = mine(BLOCKS);
const ingested = await ingest(mined);
const done = await outcome();
const tip = done.tip;
if (tip !== BLOCKS || done.proven !== BLOCKS || done.coins !== BLOCKS) {
  throw new Error(`ingestion incomplete: tip ${tip}, ${done.proven} proven of ${done.coins} coins`);
}
const hChecks = median([headerChecksMs(mined), headerChecksMs(mined), headerChecksMs(mined)]);
const pChecks = median([branchChecksMs(mined), branchChecksMs(mined), branchChecksMs(mined)]);
const total = ingested.headersMs + ingested.payoutsMs;
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)}%`;
console.log(`ingestion on ${engine}: ${BLOCKS} mined regtest blocks (mining ${seconds(miningMs)}, not counted)`);
console.log(
  `  ${BLOCKS} block.connected with header_hex: ${seconds(ingested.headersMs)} (${(BLOCKS / (ingested.headersMs / 1000)).toFixed(0)}/s)`,
);
console.log(
  `  ${BLOCKS} payout.received, proven (3-level branch): ${seconds(ingested.payoutsMs)} (${(BLOCKS / (ingested.payoutsMs / 1000)).toFixed(0)}/s)`,
);
const perEvent = (c: { node: number; db: number }) =>
  `${(c.node / BLOCKS).toFixed(2)} ms service + ${(c.db / BLOCKS).toFixed(2)} ms database = ${((c.node + c.db) / BLOCKS).toFixed(2)} ms`;
console.log(`  CPU per block.connected: ${perEvent(ingested.cpu.headers)}`);
console.log(`  CPU per payout.received: ${perEvent(ingested.cpu.payouts)}`);
console.log(`  ended with tip ${tip}, ${done.proven} coins available and merkle_proven`);
console.log(
  `  header checks alone: ${hChecks.toFixed(0)} ms = ${pct(hChecks, ingested.headersMs)} of the headers' time`,
);
console.log(
  `  branch checks alone: ${pChecks.toFixed(0)} ms = ${pct(pChecks, ingested.payoutsMs)} of the payouts' time`,
);
console.log(`  both: ${pct(hChecks + pChecks, total)} of the ${seconds(total)} ingestion`);
await database.close();

// ---- Part 2: the pure rules beside their ceilings --------------------------------------------

const raw = mined.map((m) => Buffer.from(m.headerHex, 'hex'));
const genesis = parseHeader(Buffer.from(params.genesisHeaderHex, 'hex'));
const root: ChainEntry = { height: 0, hash: genesis.hash, time: genesis.time, bits: genesis.bits, chainwork: 2n };

function verifyAll(): number {
  const chain: ChainEntry[] = [root];
  const started = performance.now();
  for (const bytes of raw) {
    const parent = chain[chain.length - 1]!;
    chain.push(checkHeader({ params, header: parseHeader(bytes), parent, ancestor: (h) => chain[h], nowSec: 2e9 }));
  }
  const rate = raw.length / ((performance.now() - started) / 1000);
  if (chain[raw.length]!.chainwork !== 2n + BigInt(raw.length) * workFromBits(0x207fffff))
    throw new Error('work mismatch');
  return rate;
}
function hashAll(): number {
  const started = performance.now();
  let x = 0;
  for (const bytes of raw) x ^= sha256d(bytes)[0]!;
  const rate = raw.length / ((performance.now() - started) / 1000);
  if (x === 256) throw new Error('unreachable');
  return rate;
}

// A 4,096-transaction block: every proof is 12 hashes deep.
const leaves = Array.from({ length: 4096 }, (_, i) => sha256d(Buffer.from(`tx ${i}`)));
const rootHex = toDisplayHex(merkleRoot(leaves).root);
const indexes = Array.from({ length: PROOFS }, (_, i) => (i * 7919) % leaves.length);
const branches = merkleBranchesDisplay(leaves.map(toDisplayHex), indexes);
const cases = indexes.map((index, i) => ({ txid: toDisplayHex(leaves[index]!), index, branch: branches[i]! }));
function proveAll(): number {
  const started = performance.now();
  for (const c of cases) if (foldBranch(c.txid, c.branch, c.index) !== rootHex) throw new Error('bad fold');
  return PROOFS / ((performance.now() - started) / 1000);
}
const pairs = cases.map((c) => c.branch.map((b) => Buffer.concat([Buffer.from(c.txid, 'hex'), Buffer.from(b, 'hex')])));
function bareFolds(): number {
  const started = performance.now();
  for (const p of pairs) for (const pair of p) sha256d(pair);
  return PROOFS / ((performance.now() - started) / 1000);
}

const rows = {
  headers: [] as number[],
  bareHeaders: [] as number[],
  proofs: [] as number[],
  bareProofs: [] as number[],
};
verifyAll();
proveAll();
for (let r = 0; r < ROUNDS; r++) {
  rows.bareHeaders.push(hashAll());
  rows.headers.push(verifyAll());
  rows.bareProofs.push(bareFolds());
  rows.proofs.push(proveAll());
}
const h = median(rows.headers);
const hb = median(rows.bareHeaders);
const p = median(rows.proofs);
const pb = median(rows.bareProofs);
const headerRatio = median(rows.headers.map((v, i) => v / rows.bareHeaders[i]!));
const proofRatio = median(rows.proofs.map((v, i) => v / rows.bareProofs[i]!));
console.log(`pure rules: the ${raw.length} mined headers, ${ROUNDS} rounds, medians`);
console.log(`  checkHeader (parse + link + pow + bits + mtp + clock): ${h.toFixed(0)} headers/s`);
console.log(`  bare sha256d of the 80-byte headers (ceiling):          ${hb.toFixed(0)} headers/s`);
console.log(`proofs: ${PROOFS} branches of 12 hashes (4,096-tx block)`);
console.log(`  foldBranch (hex decode, 64-byte-tx test, CVE check):    ${p.toFixed(0)} proofs/s`);
console.log(`  bare sha256d of the 12 concatenated pairs (ceiling):    ${pb.toFixed(0)} proofs/s`);
const ratioNote = (r: number) =>
  `${r.toFixed(2)} of bare hashing, median of ${ROUNDS} paired rounds (need ${REQUIRED_RATIO})`;
console.log(verdict('header checks', headerRatio >= REQUIRED_RATIO, ratioNote(headerRatio)));
console.log(verdict('branch checks', proofRatio >= REQUIRED_RATIO, ratioNote(proofRatio)));
console.log(machineLine());
process.exit(headerRatio >= REQUIRED_RATIO && proofRatio >= REQUIRED_RATIO ? 0 : 1);
