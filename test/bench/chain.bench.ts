// Chain truth, pure part: 10,000 regtest headers verified by the header rules (link, proof of work,
// retarget bits, median time past, clock) beside bare double-SHA-256 of the same 80-byte headers,
// the ceiling (a header check must hash the header once); then 10,000 payouts proven by merkle
// branches (depth 12, a 4,096-transaction block) beside the bare hashing a fold needs (13 hashes).
// Must: header checks at least 25% of the bare-hash rate, branch checks at least 25% of theirs.
import {
  type ChainEntry,
  CHAIN_PARAMS,
  checkHeader,
  foldBranch,
  merkleBranchesDisplay,
  merkleRoot,
  parseHeader,
  sha256d,
  toDisplayHex,
  workFromBits,
} from '../../src/chain/spv/index.js';
import { machineLine, median, verdict } from './machine.js';

const HEADERS = 10_000;
const PROOFS = 10_000;
const ROUNDS = 3;
const REQUIRED_RATIO = 0.25;
const params = CHAIN_PARAMS.regtest;

function mineHeaders(count: number): Buffer[] {
  const out: Buffer[] = [];
  let prev = Buffer.from(params.genesisHeaderHex, 'hex');
  const target = params.powLimit;
  for (let i = 0; i < count; i++) {
    const h = Buffer.alloc(80);
    h.writeInt32LE(0x20000000, 0);
    sha256d(prev).copy(h, 4);
    sha256d(Buffer.from(`root ${i}`)).copy(h, 36);
    h.writeUInt32LE(1_700_000_000 + (i + 1) * 600, 68);
    h.writeUInt32LE(0x207fffff, 72);
    for (let nonce = 0; ; nonce++) {
      h.writeUInt32LE(nonce, 76);
      if (BigInt(`0x${toDisplayHex(sha256d(h))}`) <= target) break;
    }
    out.push(h);
    prev = h;
  }
  return out;
}

const raw = mineHeaders(HEADERS);
const genesis = parseHeader(Buffer.from(params.genesisHeaderHex, 'hex'));
const root: ChainEntry = { height: 0, hash: genesis.hash, time: genesis.time, bits: genesis.bits, chainwork: 2n };

function verifyAll(): number {
  const chain: ChainEntry[] = [root];
  const started = performance.now();
  for (const bytes of raw) {
    const parent = chain[chain.length - 1]!;
    chain.push(checkHeader({ params, header: parseHeader(bytes), parent, ancestor: (h) => chain[h], nowSec: 2e9 }));
  }
  const rate = HEADERS / ((performance.now() - started) / 1000);
  if (chain[HEADERS]!.chainwork !== 2n + BigInt(HEADERS) * workFromBits(0x207fffff)) throw new Error('work mismatch');
  return rate;
}
function hashAll(): number {
  const started = performance.now();
  let x = 0;
  for (const bytes of raw) x ^= sha256d(bytes)[0]!;
  const rate = HEADERS / ((performance.now() - started) / 1000);
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
console.log(machineLine());
console.log(`headers: ${HEADERS} regtest headers, ${ROUNDS} rounds, medians`);
console.log(`  checkHeader (parse + link + pow + bits + mtp + clock): ${h.toFixed(0)} headers/s`);
console.log(`  bare sha256d of the 80-byte headers (ceiling):          ${hb.toFixed(0)} headers/s`);
console.log(`proofs: ${PROOFS} branches of 12 hashes (4,096-tx block)`);
console.log(`  foldBranch (hex decode, 64-byte-tx test, CVE check):    ${p.toFixed(0)} proofs/s`);
console.log(`  bare sha256d of the 12 concatenated pairs (ceiling):    ${pb.toFixed(0)} proofs/s`);
console.log(
  verdict('header checks', h >= hb * REQUIRED_RATIO, `${(h / hb).toFixed(2)} of bare hashing (need ${REQUIRED_RATIO})`),
);
console.log(
  verdict('branch checks', p >= pb * REQUIRED_RATIO, `${(p / pb).toFixed(2)} of bare hashing (need ${REQUIRED_RATIO})`),
);
process.exit(h >= hb * REQUIRED_RATIO && p >= pb * REQUIRED_RATIO ? 0 : 1);
