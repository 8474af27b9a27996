// The reconciliation's buckets: one accumulator per site and day or month, and the bounds each
// covers, clipped to the query ([from, to), UTC days).
import { Dec } from '../money/fiat.js';

export type Granularity = 'day' | 'month';

export const DAY_MS = 86_400_000;
export const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
export const bucketOf = (day: string, g: Granularity) => (g === 'day' ? day : day.slice(0, 7));

/** The [start, end) a bucket covers, clipped to [from, to): a partial month says so. */
export function bucketBounds(bucket: string, g: Granularity, q: { from: string; to: string }) {
  const start = g === 'day' ? dayStart(bucket) : new Date(`${bucket}-01T00:00:00Z`);
  const end =
    g === 'day'
      ? new Date(start.getTime() + DAY_MS)
      : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return {
    start: start < dayStart(q.from) ? dayStart(q.from) : start,
    end: end > dayStart(q.to) ? dayStart(q.to) : end,
  };
}

export interface Accumulator {
  siteId: string;
  bucket: string;
  reports: number;
  workThs: Dec;
  seconds: Dec;
  energyKwh: Dec;
  costs: Map<string, Dec>;
  costReporting: Dec | null;
  missingRates: Set<string>;
  /** Energy at the site's export price, in the reporting currency; null without an export price. */
  exportValue: Dec | null;
  missingExportRate: boolean;
  curtailedHours: Dec;
  curtailmentReports: number;
  expectedExact: Dec;
  expectedBlocks: Dec;
  missingNetworkDays: number;
  actualSat: bigint;
  /** Each receipt (and reversal) with its valid time, to value it at the mark in force then. */
  receipts: { at: Date; sat: bigint }[];
  blocks: number;
  foreign: number;
}

function newAcc(siteId: string, bucket: string): Accumulator {
  return {
    siteId,
    bucket,
    reports: 0,
    workThs: new Dec(0),
    seconds: new Dec(0),
    energyKwh: new Dec(0),
    costs: new Map(),
    costReporting: new Dec(0),
    missingRates: new Set(),
    exportValue: null,
    missingExportRate: false,
    curtailedHours: new Dec(0),
    curtailmentReports: 0,
    expectedExact: new Dec(0),
    expectedBlocks: new Dec(0),
    missingNetworkDays: 0,
    actualSat: 0n,
    receipts: [],
    blocks: 0,
    foreign: 0,
  };
}

/** The accumulators of a reconciliation, one per site and bucket, made on first use. */
export class Buckets {
  readonly accs = new Map<string, Accumulator>();
  constructor(private readonly granularity: Granularity) {}
  at(siteId: string, day: string): Accumulator {
    const bucket = bucketOf(day, this.granularity);
    const key = `${siteId}\u0000${bucket}`;
    let a = this.accs.get(key);
    if (!a) this.accs.set(key, (a = newAcc(siteId, bucket)));
    return a;
  }
  sorted(): Accumulator[] {
    return [...this.accs.values()].sort((x, y) =>
      x.siteId === y.siteId ? (x.bucket < y.bucket ? -1 : 1) : x.siteId < y.siteId ? -1 : 1,
    );
  }
}
