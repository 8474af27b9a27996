import { createRoute, z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { currencyCode, rfc3339 } from '../http/schemas.js';
import { FLAG_CODES } from './flags.js';
import { buildReconciliation, reconciliationCsvRecords } from './report.js';

// A missing day says so ("is required"), a malformed one says what it must be.
const day = z.iso.date({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a date YYYY-MM-DD') });
const MAX_DAYS = 3660;

const ReconciliationQuerySchema = z
  .object({
    from: day.openapi({ example: '2026-01-01', description: 'First UTC day (inclusive)' }),
    to: day.openapi({ example: '2027-01-01', description: 'Day after the last (exclusive)' }),
    site_id: z.string().max(64).optional().openapi({ description: 'One site (the old name `site` is a 422)' }),
    granularity: z.enum(['day', 'month'], { message: 'must be day or month' }).default('month'),
    missing_payout_days: z.coerce
      .number()
      .int('must be an integer')
      .min(0, 'must be >= 0')
      .max(365, 'must be at most 365')
      .default(2),
    currency: currencyCode.optional().openapi({ description: 'Reporting currency (default: the configured one)' }),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).default('json'),
    known_at: rfc3339.optional().openapi({
      description:
        'What Reserve knew then: only ledger entries recorded by then (recorded_at <= known_at, as the roll-forward) and production reports received by then and not superseded by then. See docs/reconciliation.md.',
    }),
  })
  .superRefine((v, ctx) => {
    const span = (Date.parse(v.to) - Date.parse(v.from)) / 86_400_000;
    if (!(span > 0)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (span > MAX_DAYS)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_DAYS} days` });
  });

const decimal = z.string().openapi({ description: 'A decimal, as a string' });
// What the surplus earned beside what the energy would have earned otherwise (rows and totals).
const surplusShape = {
  curtailed_hours: decimal.nullable().openapi({
    description: 'Hours the site was told to stop, summed over the reports that say (null: none did)',
  }),
  export_value: decimal.nullable().openapi({
    description: 'energy_kwh x the export price, each day at its rate, in the reporting currency',
  }),
  export_per_mwh: decimal.nullable().openapi({ description: 'export_value / energy_mwh' }),
  alternative_value: decimal.nullable().openapi({
    description: 'What the energy would have earned instead: export_value with an export price, else the tariff cost',
  }),
  alternative_per_mwh: decimal.nullable().openapi({ description: 'alternative_value / energy_mwh' }),
};
const Row = z
  .object({
    site: z.string(),
    period: z.string().openapi({
      description:
        'YYYY-MM-DD (a whole day), YYYY-MM (a whole month), else the range it covers, start/end ([start, end))',
    }),
    period_start: z.string(),
    period_end: z.string(),
    pool: z.string().nullable().openapi({ description: 'solo, or the pool payout scheme' }),
    reports: z.number().int(),
    hashrate_ths: decimal,
    energy_kwh: decimal,
    efficiency_j_per_th: decimal.nullable(),
    energy_cost: z.array(z.object({ currency: z.string(), amount: decimal }).strict()),
    energy_cost_reporting: z.object({ currency: z.string(), amount: decimal.nullable() }).strict(),
    expected_sat: decimal,
    expected_btc: decimal,
    expected_blocks: decimal,
    actual_sat: decimal,
    actual_btc: decimal,
    variance_sat: decimal,
    variance_pct: decimal.nullable(),
    production_cost_per_btc: decimal.nullable(),
    break_even_btc_price: decimal.nullable(),
    solo_interval: z
      .object({ lower: z.number().int(), upper: z.number().int(), level: z.number() })
      .strict()
      .nullable(),
    actual_blocks: z.number().int().nullable(),
    missing_network_days: z.number().int(),
    flags: z.array(z.object({ code: z.enum(FLAG_CODES), detail: z.string() }).strict()),
    energy_mwh: decimal,
    mined_value_at_receipt: decimal.nullable().openapi({
      description: 'Each receipt at the BTC price mark in force at its time, in the reporting currency',
    }),
    revenue_per_mwh: decimal.nullable(),
    tariff_per_mwh: decimal.nullable().openapi({ description: 'What the energy cost at its tariff, per MWh' }),
    ...surplusShape,
    alternative_basis: z.enum(['export_price', 'tariff']).nullable(),
    export_price_per_kwh: decimal.nullable().openapi({ description: "The site's export price, in export_currency" }),
    export_currency: z.string().nullable(),
  })
  .strict()
  .openapi('ReconciliationRow');

const Totals = z
  .object({
    period: z.string(),
    reports: z.number().int(),
    energy_kwh: decimal,
    energy_mwh: decimal,
    energy_cost: z.array(z.object({ currency: z.string(), amount: decimal }).strict()),
    energy_cost_reporting: decimal.nullable(),
    expected_sat: decimal,
    expected_btc: decimal,
    actual_sat: decimal,
    actual_btc: decimal,
    variance_sat: decimal,
    variance_pct: decimal.nullable(),
    mined_value_at_receipt: decimal.nullable(),
    revenue_per_mwh: decimal.nullable(),
    tariff_per_mwh: decimal.nullable(),
    ...surplusShape,
    alternative_basis: z.enum(['export_price', 'tariff', 'mixed']).nullable(),
  })
  .strict()
  .openapi('ReconciliationTotals');

const reconciliationRoute = createRoute({
  method: 'get',
  path: '/v1/reconciliation',
  tags: ['reconciliation'],
  summary: 'Per site and period: hashrate, energy, cost, expected and actual BTC, variance, flags (JSON or CSV)',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: { query: ReconciliationQuerySchema },
  responses: {
    200: {
      description: 'The reconciliation',
      content: {
        'application/json': {
          schema: z
            .object({
              from: z.string(),
              to: z.string(),
              granularity: z.string(),
              reporting_currency: z.string(),
              as_of: z.string(),
              known_at: z.string().nullable().openapi({ description: 'The known_at asked for, or null' }),
              missing_payout_days: z.number().int(),
              rows: z.array(Row),
              totals: Totals,
            })
            .strict(),
        },
        'text/csv': { schema: z.string() },
      },
    },
    ...errorResponses(401, 403, 404, 422),
  },
});

export function reconciliationRouter(options: { reportingCurrency: string }) {
  const router = createRouter();
  router.openapi(reconciliationRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await buildReconciliation(c.var.ctx, {
      from: q.from,
      to: q.to,
      siteId: q.site_id,
      granularity: q.granularity,
      missingPayoutDays: q.missing_payout_days,
      reportingCurrency: q.currency ?? options.reportingCurrency,
      // Flags that wait for time to pass (a missing payout) judge at known_at when asked for.
      asOf: q.known_at ? new Date(q.known_at) : new Date(),
      knownAt: q.known_at ? new Date(q.known_at) : undefined,
    });
    if (q.format === 'csv' || /\btext\/csv\b/.test(c.req.header('accept') ?? '')) {
      return c.body(stringify(reconciliationCsvRecords(report)), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="reconciliation-${q.from}-${q.to}.csv"`,
      }) as never;
    }
    return c.json(report, 200);
  });
  return router;
}
