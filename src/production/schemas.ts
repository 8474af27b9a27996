// Input schemas of the production module: money-grade validation of every decimal and currency.
import { z } from '@hono/zod-openapi';
import { currencyCode, rfc3339 } from '../http/schemas.js';
import { decimalProblem, type DecimalRules } from '../money/fiat.js';
import { POOL_SCHEMES } from './expected.js';

/** A decimal carried as a string, refused (never rounded) when it breaks the rules. */
export function decimalString(rules: DecimalRules, example: string) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const reason = decimalProblem(value, rules);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    })
    .transform((value) => value as string)
    .openapi({
      type: 'string',
      example,
      description: `decimal string, at most ${rules.maxDecimals} decimals${rules.positive === false ? ', >= 0' : ', > 0'}`,
    });
}

const segment = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'must be 1-64 letters, digits, - or _, starting with a letter or digit (it names a ledger account)',
  );

export const ENERGY_SOURCES = ['hydro', 'nuclear', 'gas_flare', 'wind', 'solar', 'grid', 'other'] as const;

const fraction = (example: string) =>
  decimalString({ maxDecimals: 5, maxIntegerDigits: 1, positive: false }, example).refine(
    (v) => Number(v) < 1,
    'must be below 1 (a fraction: 0.02 is 2%)',
  );

export const CreateSiteSchema = z
  .object({
    id: segment.openapi({ example: 'hydro-grodno' }),
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    region: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    energy_source: z.enum(ENERGY_SOURCES, { message: `must be one of ${ENERGY_SOURCES.join(', ')}` }),
    pool: z.discriminatedUnion(
      'kind',
      [
        z.object({ kind: z.literal('solo') }).strict(),
        z
          .object({
            kind: z.literal('pool'),
            name: z.string().trim().min(1).max(200).optional(),
            scheme: z.enum(POOL_SCHEMES, { message: `must be one of ${POOL_SCHEMES.join(', ')}` }),
            fee_rate: fraction('0.02'),
          })
          .strict(),
      ],
      { message: 'must be {"kind":"solo"} or {"kind":"pool","scheme":...,"fee_rate":...}' },
    ),
    underpayment_tolerance: fraction('0.01').optional(),
    energy_supplier: segment.openapi({ example: 'belenergo' }),
    /** What a kWh would fetch exported to the grid instead: the reconciliation's comparison. */
    export_price_per_kwh: decimalString({ maxDecimals: 10, maxIntegerDigits: 8, positive: false }, '0.045').optional(),
    export_currency: currencyCode.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.export_price_per_kwh === undefined) !== (v.export_currency === undefined)) {
      const missing = v.export_price_per_kwh === undefined ? 'export_price_per_kwh' : 'export_currency';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'export_price_per_kwh and export_currency go together',
      });
    }
  })
  .openapi('CreateSite');
export type CreateSiteInput = z.infer<typeof CreateSiteSchema>;

export const CreateTariffSchema = z
  .object({
    effective_from: rfc3339,
    effective_to: rfc3339.nullable().optional(),
    price_per_kwh: decimalString({ maxDecimals: 10, maxIntegerDigits: 8 }, '0.1234'),
    currency: currencyCode,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.effective_to && new Date(v.effective_to) <= new Date(v.effective_from)) {
      ctx.addIssue({ code: 'custom', path: ['effective_to'], message: 'must be after effective_from' });
    }
  })
  .openapi('CreateTariff');
export type CreateTariffInput = z.infer<typeof CreateTariffSchema>;

export const CloseTariffSchema = z.object({ effective_to: rfc3339 }).strict().openapi('CloseTariff');

const MAX_BATCH = 1000;

export const RateSchema = z
  .object({
    base: currencyCode,
    quote: currencyCode,
    rate: decimalString({ maxDecimals: 12, maxIntegerDigits: 12 }, '0.30571'),
    at: rfc3339,
    source: z.string().trim().min(1, 'must not be empty').max(200),
  })
  .strict()
  .refine((v) => v.base !== v.quote, { path: ['quote'], message: 'must differ from base' });
export const RatesBatchSchema = z
  .object({
    rates: z.array(RateSchema).min(1, 'must hold at least one rate').max(MAX_BATCH, `at most ${MAX_BATCH} per request`),
  })
  .strict()
  .openapi('RatesBatch');

export const PriceSchema = z
  .object({
    currency: currencyCode,
    price: decimalString({ maxDecimals: 8, maxIntegerDigits: 15 }, '97250.12'),
    at: rfc3339,
    source: z.string().trim().min(1, 'must not be empty').max(200),
  })
  .strict();
export const PricesBatchSchema = z
  .object({
    prices: z
      .array(PriceSchema)
      .min(1, 'must hold at least one price')
      .max(MAX_BATCH, `at most ${MAX_BATCH} per request`),
  })
  .strict()
  .openapi('PricesBatch');

export const NetworkDaySchema = z
  .object({
    day: z.iso.date({ message: 'must be a date YYYY-MM-DD' }),
    difficulty: decimalString({ maxDecimals: 8, maxIntegerDigits: 24 }, '109782075598905.45'),
    blocks: z.number().int('must be an integer').min(0, 'must be >= 0').max(10_000, 'must be at most 10000'),
    avg_subsidy_sat: z
      .string()
      .regex(/^\d{1,10}$/, 'must be a whole number of satoshis as a string')
      .refine((v) => !/^\d{1,10}$/.test(v) || BigInt(v) <= 5_000_000_000n, 'must be at most 5000000000'),
    avg_fees_sat: decimalString({ maxDecimals: 4, maxIntegerDigits: 16, positive: false }, '1534211.5'),
    source: z.string().trim().min(1, 'must not be empty').max(200),
  })
  .strict();
export const NetworkBatchSchema = z
  .object({
    days: z
      .array(NetworkDaySchema)
      .min(1, 'must hold at least one day')
      .max(MAX_BATCH, `at most ${MAX_BATCH} per request`),
  })
  .strict()
  .openapi('NetworkDailyBatch');

export const ProductionReportSchema = z
  .object({
    site: segment,
    period_start: rfc3339,
    period_end: rfc3339,
    hashrate_ths: decimalString({ maxDecimals: 6, maxIntegerDigits: 12, positive: false }, '120000.5'),
    energy_kwh: decimalString({ maxDecimals: 6, maxIntegerDigits: 12, positive: false }, '3600.25'),
    uptime: decimalString({ maxDecimals: 6, maxIntegerDigits: 1, positive: false }, '0.985').refine(
      (v) => Number(v) <= 1,
      'must be between 0 and 1',
    ),
    /** Hours of the period the site was told to stop because the grid had no surplus. */
    curtailed_hours: decimalString({ maxDecimals: 4, maxIntegerDigits: 2, positive: false }, '6.5').optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const start = new Date(v.period_start).getTime();
    const end = new Date(v.period_end).getTime();
    if (!(end > start)) {
      ctx.addIssue({ code: 'custom', path: ['period_end'], message: 'must be after period_start' });
      return;
    }
    if (v.curtailed_hours !== undefined && Number(v.curtailed_hours) * 3_600_000 > end - start) {
      ctx.addIssue({ code: 'custom', path: ['curtailed_hours'], message: 'must not exceed the length of the period' });
      return;
    }
    if (start % 1000 !== 0 || end % 1000 !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [start % 1000 !== 0 ? 'period_start' : 'period_end'],
        message: 'must be on a whole second',
      });
      return;
    }
    const dayStart = Math.floor(start / 86_400_000) * 86_400_000;
    if (end > dayStart + 86_400_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['period_end'],
        message: 'a report covers at most one UTC day and must not cross midnight UTC; send two reports',
      });
    }
  })
  .openapi('ProductionReport');
export type ProductionReportInput = z.infer<typeof ProductionReportSchema>;

export const ProductionBatchSchema = z
  .object({
    reports: z
      .array(ProductionReportSchema)
      .min(1, 'must hold at least one report')
      .max(MAX_BATCH, `at most ${MAX_BATCH} per request`),
  })
  .strict()
  .openapi('ProductionBatch');
