import { refuse } from './errors.js';
import { hashToBigInt } from './hash.js';
import type { BlockHeader } from './header.js';
import type { ChainParams } from './params.js';
import { decodeCompact, encodeCompact, targetFromBits, workFromTarget } from './work.js';

// The header rules of Bitcoin Core's validation (CheckBlockHeader, ContextualCheckBlockHeader) and
// pow.cpp (GetNextWorkRequired, CalculateNextWorkRequired, PermittedDifficultyTransition), for a
// header chain without blocks. Signet's block signature (the challenge in the coinbase witness
// commitment) needs the block, not the header: it is out of scope here, and a signet chain is
// checked for its proof of work and retargets only.

/** A header already in the tree, as the rules need it. */
export interface ChainEntry {
  height: number;
  hash: string;
  time: number;
  bits: number;
  /** Sum of the work of every header from the checkpoint up to and including this one. */
  chainwork: bigint;
}

/** The entry at `height` on the branch being extended (the parent's ancestors), if known. */
export type AncestorLookup = (height: number) => ChainEntry | undefined;

export const MAX_FUTURE_BLOCK_TIME_SEC = 2 * 60 * 60;
export const MEDIAN_TIME_SPAN = 11;
/** BIP94: the first block of a period may be at most 600 s before its parent. */
export const MAX_TIMEWARP_SEC = 600;

function need(ancestor: AncestorLookup, height: number): ChainEntry {
  const entry = ancestor(height);
  // The checkpoint sits on a retarget boundary (config refuses another), so every lookup the rules
  // make lands on a known header; a miss is a bug in the caller, not bad input.
  if (!entry) throw new Error(`chain rules need the header at height ${height}, below the known chain`);
  return entry;
}

export function calculateNextWorkRequired(
  params: ChainParams,
  last: ChainEntry,
  first: Pick<ChainEntry, 'time' | 'bits'>,
): number {
  if (params.noRetargeting) return last.bits;
  let timespan = last.time - first.time;
  const min = params.targetTimespanSec / 4;
  const max = params.targetTimespanSec * 4;
  if (timespan < min) timespan = min;
  if (timespan > max) timespan = max;
  // BIP94 retargets from the period's first block: its bits can never be a min-difficulty exception.
  const base = decodeCompact(params.enforceBip94 ? first.bits : last.bits).target;
  let target = (base * BigInt(timespan)) / BigInt(params.targetTimespanSec);
  if (target > params.powLimit) target = params.powLimit;
  return encodeCompact(target);
}

/** The bits the header after `parent` must carry (time `nextTime`). Core's GetNextWorkRequired. */
export function nextWorkRequired(
  params: ChainParams,
  parent: ChainEntry,
  nextTime: number,
  ancestor: AncestorLookup,
): number {
  const limitBits = powLimitBits(params);
  if (params.noRetargeting) return parent.bits; // regtest: Core reaches the same answer after a lookup
  if ((parent.height + 1) % params.interval !== 0) {
    if (!params.allowMinDifficultyBlocks) return parent.bits;
    // testnet: a block more than 20 minutes after its parent may be mined at the minimum difficulty;
    // otherwise the bits of the last block that was not such an exception.
    if (nextTime > parent.time + params.targetSpacingSec * 2) return limitBits;
    let entry = parent;
    while (entry.height > 0 && entry.height % params.interval !== 0 && entry.bits === limitBits) {
      entry = need(ancestor, entry.height - 1);
    }
    return entry.bits;
  }
  const first = need(ancestor, parent.height - (params.interval - 1));
  return calculateNextWorkRequired(params, parent, first);
}

const LIMIT_BITS = new WeakMap<ChainParams, number>();
function powLimitBits(params: ChainParams): number {
  let bits = LIMIT_BITS.get(params);
  if (bits === undefined) LIMIT_BITS.set(params, (bits = encodeCompact(params.powLimit)));
  return bits;
}

// A chain repeats the same bits for 2,016 blocks: their work (a 256-bit division) is computed once.
const WORK_BY_BITS = new Map<number, bigint>();
function workOf(bits: number, target: bigint): bigint {
  let work = WORK_BY_BITS.get(bits);
  if (work === undefined) {
    if (WORK_BY_BITS.size > 10_000) WORK_BY_BITS.clear();
    WORK_BY_BITS.set(bits, (work = workFromTarget(target)));
  }
  return work;
}

function compactRound(target: bigint, powLimit: bigint): bigint {
  return decodeCompact(encodeCompact(target > powLimit ? powLimit : target)).target;
}

/** Core's PermittedDifficultyTransition: could `newBits` follow `oldBits` at `height` at all? */
export function permittedDifficultyTransition(
  params: ChainParams,
  height: number,
  oldBits: number,
  newBits: number,
): boolean {
  if (params.allowMinDifficultyBlocks) return true;
  if (height % params.interval !== 0) return oldBits === newBits;
  const observed = decodeCompact(newBits).target;
  const old = decodeCompact(oldBits).target;
  const span = BigInt(params.targetTimespanSec);
  const largest = compactRound((old * span * 4n) / span, params.powLimit);
  const smallest = compactRound((old * (span / 4n)) / span, params.powLimit);
  return observed <= largest && observed >= smallest;
}

/** Median of the times of the (up to) 11 headers ending at `parent`. */
export function medianTimePast(parent: ChainEntry, ancestor: AncestorLookup): number {
  const times: number[] = [parent.time];
  for (let h = parent.height - 1; h >= 0 && times.length < MEDIAN_TIME_SPAN; h--) {
    const entry = ancestor(h);
    if (!entry) break; // below the checkpoint: the median of what is known, as Core does near genesis
    times.push(entry.time);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface HeaderCheck {
  params: ChainParams;
  header: BlockHeader;
  parent: ChainEntry;
  ancestor: AncestorLookup;
  nowSec: number;
}

/** Proof of work of the header alone: bits decodable, within powLimit, hash at or under the target. */
export function checkProofOfWork(params: ChainParams, header: BlockHeader): bigint {
  const target = targetFromBits(header.bits, params.powLimit);
  if (target === undefined) {
    refuse('header_hex', `bits ${hex8(header.bits)} is not a target within the ${params.name} limit`);
  }
  if (hashToBigInt(header.hashBytes) > target) {
    refuse('header_hex', `proof of work: hash ${header.hash} is above the target of bits ${hex8(header.bits)}`);
  }
  return target;
}

/** Every rule for a header extending `parent`; returns the new entry with its cumulative work. */
export function checkHeader({ params, header, parent, ancestor, nowSec }: HeaderCheck): ChainEntry {
  if (header.prevHash !== parent.hash) {
    refuse('header_hex', `previous-block hash ${header.prevHash} is not the parent ${parent.hash}`);
  }
  const height = parent.height + 1;
  const target = checkProofOfWork(params, header);
  const expected = nextWorkRequired(params, parent, header.time, ancestor);
  if (header.bits !== expected) {
    refuse('header_hex', `bits ${hex8(header.bits)}, the ${params.name} retarget rule requires ${hex8(expected)}`);
  }
  const mtp = medianTimePast(parent, ancestor);
  if (header.time <= mtp) {
    refuse('header_hex', `time ${header.time} is not after the median time of the previous 11 blocks (${mtp})`);
  }
  if (header.time > nowSec + MAX_FUTURE_BLOCK_TIME_SEC) {
    refuse('header_hex', `time ${header.time} is more than 2 hours after the service's clock (${nowSec})`);
  }
  if (params.enforceBip94 && height % params.interval === 0 && header.time < parent.time - MAX_TIMEWARP_SEC) {
    refuse('header_hex', `time ${header.time} is more than 600 s before its parent's on a retarget block (BIP94)`);
  }
  return {
    height,
    hash: header.hash,
    time: header.time,
    bits: header.bits,
    chainwork: parent.chainwork + workOf(header.bits, target),
  };
}

function hex8(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
