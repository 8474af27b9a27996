// What a site's hashrate should have earned: pure arithmetic, no database, no HTTP.
//
//   expected_sat = hashrate_H/s * seconds / (difficulty * 2^32) * (subsidy_sat + fees_sat)
//
// A hash has a 1 / (difficulty * 2^32) chance of finding a block, so hashes / (D * 2^32) is
// the expected number of blocks and each block pays the average subsidy plus fees of its day.
// Work is carried as TH/s x seconds ("TH-seconds") so hourly reports simply add up.
// Arithmetic is exact decimal (60 significant digits); the sum of a period is rounded ONCE,
// down to a whole satoshi, so the reserve never expects a satoshi it has not earned.
import { Dec } from '../money/fiat.js';

export const TWO_POW_32 = new Dec(2).pow(32);
export const HASHES_PER_TERAHASH = new Dec(10).pow(12);

export const POOL_SCHEMES = ['fpps', 'pps+', 'pplns'] as const;
export type PoolScheme = (typeof POOL_SCHEMES)[number];
export type PoolArrangement = { kind: 'solo' } | { kind: 'pool'; scheme: PoolScheme; feeRate: Dec };

/** One UTC day of network statistics. */
export interface NetworkDay {
  difficulty: Dec;
  /** Average block subsidy of the day, in satoshis. */
  subsidySat: bigint;
  /** Average fees per block of the day, in satoshis (may have a fraction). */
  feesSat: Dec;
}

/** TH/s x seconds: the work a report describes. */
export function workThSeconds(hashrateThs: Dec, seconds: Dec | number | bigint): Dec {
  return hashrateThs.mul(new Dec(seconds.toString()));
}

/** Expected blocks for an amount of work at a difficulty (exact, unrounded). */
export function expectedBlocks(workThs: Dec, difficulty: Dec): Dec {
  if (difficulty.lte(0)) throw new RangeError('difficulty must be positive');
  return workThs.mul(HASHES_PER_TERAHASH).div(difficulty.mul(TWO_POW_32));
}

/** Expected satoshis before any pool fee (exact, unrounded). */
export function expectedGrossSat(workThs: Dec, day: NetworkDay): Dec {
  return expectedBlocks(workThs, day.difficulty).mul(new Dec(day.subsidySat.toString()).add(day.feesSat));
}

/**
 * The share a pool keeps. FPPS and PPS+ pay hashrate at the expected value less their fee;
 * PPLNS pays luck-dependent shares, also net of its fee; solo keeps everything (no fee).
 */
export function netOfPoolFee(grossSat: Dec, arrangement: PoolArrangement): Dec {
  if (arrangement.kind === 'solo') return grossSat;
  return grossSat.mul(new Dec(1).sub(arrangement.feeRate));
}

/** The stated rounding rule: a period's exact expected sum is rounded down to a whole satoshi. */
export function roundExpectedSat(exactSat: Dec): bigint {
  if (exactSat.isNegative()) throw new RangeError('expected satoshis cannot be negative');
  return BigInt(exactSat.toDecimalPlaces(0, Dec.ROUND_DOWN).toFixed(0));
}

/** A report's expected satoshis, net of pool fee, exact (round once per period with roundExpectedSat). */
export function expectedNetSat(workThs: Dec, day: NetworkDay, arrangement: PoolArrangement): Dec {
  return netOfPoolFee(expectedGrossSat(workThs, day), arrangement);
}

/** Joules per terahash: energy (kWh) over the hashes done. 1 kWh = 3.6e6 J. */
export function efficiencyJPerTh(energyKwh: Dec, workThs: Dec): Dec | null {
  if (workThs.isZero()) return null;
  return energyKwh.mul(3_600_000).div(workThs);
}

/** Cost of producing one BTC, in the cost's currency; null when nothing was produced. */
export function costPerBtc(cost: Dec, sat: bigint): Dec | null {
  if (sat <= 0n) return null;
  return cost.mul(100_000_000).div(new Dec(sat.toString()));
}
