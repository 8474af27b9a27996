// Which reconciliation flags a site-period raises: pure rules over figures already computed.
import { Dec } from '../money/fiat.js';
import type { PoolArrangement, PoolScheme } from '../production/index.js';
import { outsideInterval, poissonInterval, type PoissonInterval } from './poisson.js';

export const FLAG_CODES = [
  'missing_payout',
  'underpayment',
  'solo_blocks_outside_interval',
  'payout_without_production',
  'energy_without_hashrate',
  'foreign_address',
  /** Energy cost could not be converted into the reporting currency. */
  'no_fx_rate',
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

export interface Flag {
  code: FlagCode;
  detail: string;
}

/** How far below expected a scheme may pay before it is flagged (fraction of expected). */
export const DEFAULT_TOLERANCE: Record<PoolScheme, string> = {
  fpps: '0.01', // pays the expected value daily: little room
  'pps+': '0.03', // fees part paid by luck (PPLNS-style)
  pplns: '0.25', // luck of the pool over a window
};

export interface PeriodFigures {
  arrangement: PoolArrangement;
  /** Per-site override of the scheme's tolerance (fraction), else DEFAULT_TOLERANCE. */
  tolerance: Dec | null;
  workThs: Dec;
  energyKwh: Dec;
  expectedSat: bigint;
  /** Exact expected blocks (solo mining). */
  expectedBlocks: Dec;
  actualSat: bigint;
  /** Coinbase payouts counted as blocks found, net of orphaned ones (solo mining). */
  actualBlocks: number;
  periodEnd: Date;
  /** Payouts of the period that arrived at an address the reserve does not control. */
  foreignPayouts: number;
}

export interface FlagRules {
  asOf: Date;
  /** A period that produced and has no payout this many days after its end is flagged. */
  missingPayoutDays: number;
}

const DAY_MS = 86_400_000;

export interface FlagResult {
  flags: Flag[];
  /** The 99% interval of solo blocks, for solo sites. */
  soloInterval: PoissonInterval | null;
}

export function flagPeriod(f: PeriodFigures, rules: FlagRules): FlagResult {
  const flags: Flag[] = [];
  const produced = f.workThs.gt(0);
  const settled = rules.asOf.getTime() - f.periodEnd.getTime() >= rules.missingPayoutDays * DAY_MS;
  let soloInterval: PoissonInterval | null = null;

  if (f.energyKwh.gt(0) && !produced) {
    flags.push({
      code: 'energy_without_hashrate',
      detail: `${f.energyKwh.toFixed()} kWh consumed with no hashrate reported`,
    });
  }
  if (f.actualSat > 0n && !produced) {
    flags.push({
      code: 'payout_without_production',
      detail: `${f.actualSat} sat of mining income with no production reported`,
    });
  }
  if (f.arrangement.kind === 'solo') {
    soloInterval = poissonInterval(f.expectedBlocks.toNumber(), 0.99);
    if (settled && outsideInterval(f.actualBlocks, soloInterval)) {
      flags.push({
        code: 'solo_blocks_outside_interval',
        detail: `${f.actualBlocks} block(s) found; the 99% interval for ${f.expectedBlocks.toSignificantDigits(6).toFixed()} expected is [${soloInterval.lower}, ${soloInterval.upper}]`,
      });
    }
  } else if (produced && settled) {
    if (f.actualSat <= 0n) {
      // "No payout" means no net mining income booked for the period (a reversed payout counts as none).
      flags.push({
        code: 'missing_payout',
        detail: `production but no payout ${rules.missingPayoutDays} day(s) after the period ended`,
      });
    } else {
      const tolerance = f.tolerance ?? new Dec(DEFAULT_TOLERANCE[f.arrangement.scheme]);
      const floor = new Dec(f.expectedSat.toString()).mul(new Dec(1).sub(tolerance));
      if (new Dec(f.actualSat.toString()).lt(floor)) {
        flags.push({
          code: 'underpayment',
          detail: `paid ${f.actualSat} sat, expected ${f.expectedSat} sat; below the ${f.arrangement.scheme} tolerance of ${tolerance.mul(100).toFixed()}%`,
        });
      }
    }
  }
  if (f.foreignPayouts > 0) {
    flags.push({
      code: 'foreign_address',
      detail: `${f.foreignPayouts} payout(s) to an address the reserve does not control`,
    });
  }
  return { flags, soloInterval };
}
