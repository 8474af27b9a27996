// Underpayments beyond tolerance become alerts (reconciliation.underpayment), one open alert per
// site and period: the reconciliation that finds one says so where an officer will see it.
import { raiseAlertOnce } from '../alerts/index.js';
import { type Ctx, withTransaction } from '../context.js';
import { Dec } from '../money/fiat.js';
import type { Site } from '../production/index.js';
import { DEFAULT_TOLERANCE } from './flags.js';

interface UnderpaidRow {
  site: string;
  pool: string | null;
  period_start: string;
  period_end: string;
  expected_sat: string;
  actual_sat: string;
  flags: { code: string }[];
}

export async function raiseUnderpayments(ctx: Ctx, rows: UnderpaidRow[], sites: Map<string, Site>): Promise<void> {
  const underpaid = rows.filter((r) => r.flags.some((f) => f.code === 'underpayment'));
  if (underpaid.length === 0) return;
  await withTransaction(ctx, async (tx) => {
    for (const row of underpaid) {
      const site = sites.get(row.site);
      const scheme = (site?.poolScheme ?? 'fpps') as keyof typeof DEFAULT_TOLERANCE;
      const tolerance = new Dec(site?.underpaymentTolerance ?? DEFAULT_TOLERANCE[scheme] ?? '0');
      const expected = new Dec(row.expected_sat);
      const shortfall = expected.isZero()
        ? new Dec(0)
        : expected.sub(row.actual_sat).mul(100).div(expected).toDecimalPlaces(2, Dec.ROUND_HALF_EVEN);
      await raiseAlertOnce(tx, {
        kind: 'reconciliation.underpayment',
        message: `site ${row.site} was paid ${row.actual_sat} sat for ${row.period_start.slice(0, 10)}..${row.period_end.slice(0, 10)}, ${shortfall.toFixed(2)}% below the ${row.expected_sat} sat expected (tolerance ${tolerance.mul(100).toFixed()}%)`,
        details: {
          site_id: row.site,
          pool: row.pool ?? 'unknown',
          period_start: row.period_start,
          period_end: row.period_end,
          expected_sat: row.expected_sat,
          actual_sat: row.actual_sat,
          shortfall_percent: shortfall.toFixed(2),
          tolerance_percent: tolerance.mul(100).toFixed(),
        },
        source: `reconciliation:${row.site}@${row.period_start}/${row.period_end}`,
      });
    }
  });
}
