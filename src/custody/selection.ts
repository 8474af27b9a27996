import { feeFor, type InputShape, uniformTxWeight, vsizeOf } from './vsize.js';

// Deterministic coin selection for one vault (every input has the same shape). Fewest inputs first: the k
// largest coins decide how many inputs are needed; the last of them is then swapped for the smallest coin that
// still covers the amount, which leaves the least change among selections of that size. A change below the dust
// limit is left to the fee. The split into plan and finish lets a database supply the k largest coins and the
// smallest sufficient one with two indexed queries instead of reading the whole vault. Pure.

export interface CandidateCoin {
  txid: string;
  vout: number;
  valueSat: bigint;
}

export interface SelectionParams {
  /** Sum of the outputs that are not change. */
  targetSat: bigint;
  feeRateMsatVb: bigint;
  inputShape: InputShape;
  /** Script lengths of the outputs that are not change. */
  outputScriptBytes: readonly number[];
  changeScriptBytes: number;
  changeDustSat: bigint;
  maxInputs: number;
}

export interface Funding<T> {
  inputs: T[];
  /** 0n when the transaction has no change output. */
  changeSat: bigint;
  feeSat: bigint;
  vsize: number;
}

export type SelectionFailure =
  | { reason: 'insufficient_funds'; availableSat: bigint; requiredSat: bigint }
  | { reason: 'too_many_inputs'; maxInputs: number; requiredSat: bigint };

export class SelectionError extends Error {
  constructor(readonly failure: SelectionFailure) {
    super(failure.reason);
  }
}

/** Largest value first; equal values by outpoint, so that the order is total and the choice repeatable. */
export function compareCoinsDesc(a: CandidateCoin, b: CandidateCoin): number {
  if (a.valueSat !== b.valueSat) return a.valueSat > b.valueSat ? -1 : 1;
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  return a.vout - b.vout;
}

function vsizeFor(params: SelectionParams, count: number, change: boolean): number {
  const outputs = change ? [...params.outputScriptBytes, params.changeScriptBytes] : params.outputScriptBytes;
  return vsizeOf(uniformTxWeight(params.inputShape, count, outputs));
}

/** What `count` inputs must sum to at least, paying the fee of a transaction without change. */
export function requiredFor(params: SelectionParams, count: number): bigint {
  return params.targetSat + feeFor(vsizeFor(params, count, false), params.feeRateMsatVb);
}

/** Fee and change of a transaction spending `inputs` (which must cover `requiredFor`). */
export function settle<T extends CandidateCoin>(params: SelectionParams, inputs: T[]): Funding<T> {
  const total = inputs.reduce((sum, c) => sum + c.valueSat, 0n);
  const withChange = vsizeFor(params, inputs.length, true);
  const changeSat = total - params.targetSat - feeFor(withChange, params.feeRateMsatVb);
  if (changeSat >= params.changeDustSat) {
    return { inputs, changeSat, feeSat: total - params.targetSat - changeSat, vsize: withChange };
  }
  const required = requiredFor(params, inputs.length);
  if (total < required)
    throw new SelectionError({ reason: 'insufficient_funds', availableSat: total, requiredSat: required });
  return { inputs, changeSat: 0n, feeSat: total - params.targetSat, vsize: vsizeFor(params, inputs.length, false) };
}

export interface SelectionPlan<T> {
  /** The k - 1 largest coins, kept. */
  prefix: T[];
  /** The last coin must be worth at least this, and be no coin of the prefix. */
  lastMinSat: bigint;
}

/** From the largest coins, sorted by compareCoinsDesc: maxInputs + 1 of them when the vault has that many. */
export function planSelection<T extends CandidateCoin>(
  largest: readonly T[],
  params: SelectionParams,
): SelectionPlan<T> {
  let sum = 0n;
  const limit = Math.min(largest.length, params.maxInputs);
  for (let k = 1; k <= limit; k++) {
    sum += largest[k - 1]!.valueSat;
    const required = requiredFor(params, k);
    if (sum >= required) {
      const prefix = largest.slice(0, k - 1);
      return { prefix, lastMinSat: required - (sum - largest[k - 1]!.valueSat) };
    }
  }
  const requiredSat = requiredFor(params, Math.max(1, limit));
  if (largest.length > params.maxInputs)
    throw new SelectionError({ reason: 'too_many_inputs', maxInputs: params.maxInputs, requiredSat });
  throw new SelectionError({ reason: 'insufficient_funds', availableSat: sum, requiredSat });
}

export function finishSelection<T extends CandidateCoin>(
  plan: SelectionPlan<T>,
  last: T,
  params: SelectionParams,
): Funding<T> {
  return settle(params, [...plan.prefix, last]);
}

/**
 * The value of rank `rank` (0 = smallest) among `values`, by quickselect (median-of-three pivots, Hoare
 * partitions): linear on average, where sorting 100,000 values took most of an in-memory selection. Reorders
 * `values`.
 */
function nthSmallest(values: BigInt64Array, rank: number): bigint {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const a = values[lo]!;
    const b = values[(lo + hi) >>> 1]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else return values[rank]!;
  }
  return values[rank]!;
}

/** The `count` largest coins in compareCoinsDesc order, without sorting them all. */
export function largestCoins<T extends CandidateCoin>(coins: readonly T[], count: number): T[] {
  if (coins.length <= count) return [...coins].sort(compareCoinsDesc);
  // Satoshis stay bigint (a typed array of them: no number ever carries an amount).
  const values = new BigInt64Array(coins.length);
  for (let i = 0; i < coins.length; i++) values[i] = coins[i]!.valueSat;
  const cutoff = nthSmallest(values, coins.length - count);
  return coins
    .filter((c) => c.valueSat >= cutoff)
    .sort(compareCoinsDesc)
    .slice(0, count);
}

/** The smallest coin worth at least `minSat` that is not in `exclude` (ties: the last in compareCoinsDesc order). */
export function smallestAtLeast<T extends CandidateCoin>(
  coins: readonly T[],
  minSat: bigint,
  exclude: readonly T[],
): T | undefined {
  const excluded = new Set(exclude);
  let best: T | undefined;
  for (const c of coins) {
    if (c.valueSat < minSat || (best && compareCoinsDesc(c, best) < 0) || excluded.has(c)) continue;
    best = c;
  }
  return best;
}

/** Selection over coins held in memory (any order). */
export function selectCoins<T extends CandidateCoin>(coins: readonly T[], params: SelectionParams): Funding<T> {
  const plan = planSelection(largestCoins(coins, params.maxInputs + 1), params);
  return finishSelection(plan, smallestAtLeast(coins, plan.lastMinSat, plan.prefix)!, params);
}

/** Coin control: exactly these coins, in this order. */
export function fundWith<T extends CandidateCoin>(coins: readonly T[], params: SelectionParams): Funding<T> {
  if (coins.length > params.maxInputs)
    throw new SelectionError({
      reason: 'too_many_inputs',
      maxInputs: params.maxInputs,
      requiredSat: requiredFor(params, coins.length),
    });
  return settle(params, [...coins]);
}
