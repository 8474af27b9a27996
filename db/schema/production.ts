import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** Identifiers that end up in ledger account names (Expenses:Energy:<site>). */
const ACCOUNT_SEGMENT = `'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'`;

/** A mining site: where electricity becomes hashrate, and how its pool pays. */
export const productionSites = pgTable(
  'production_sites',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    region: text('region').notNull(),
    energySource: text('energy_source').notNull(),
    /** `solo`, or `pool` with a scheme and fee. */
    poolKind: text('pool_kind').notNull(),
    poolScheme: text('pool_scheme'),
    poolName: text('pool_name'),
    /** Fraction the pool keeps, e.g. 0.02 for 2%. */
    poolFeeRate: numeric('pool_fee_rate', { precision: 6, scale: 5 }),
    /** Fraction below expected tolerated before an underpayment flag; null = the scheme's default. */
    underpaymentTolerance: numeric('underpayment_tolerance', { precision: 6, scale: 5 }),
    energySupplier: text('energy_supplier').notNull(),
    /** What a kWh would fetch exported to the grid instead (optional), in export_currency. */
    exportPricePerKwh: numeric('export_price_per_kwh', { precision: 18, scale: 10 }),
    exportCurrency: text('export_currency'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('production_sites_id_shape', sql.raw(`"id" ~ ${ACCOUNT_SEGMENT}`)),
    check('production_sites_supplier_shape', sql.raw(`"energy_supplier" ~ ${ACCOUNT_SEGMENT}`)),
    check('production_sites_name_length', sql`length(${t.name}) between 1 and 200`),
    check('production_sites_region_length', sql`length(${t.region}) between 1 and 200`),
    check(
      'production_sites_energy_source',
      sql`${t.energySource} in ('hydro', 'nuclear', 'gas_flare', 'wind', 'solar', 'grid', 'other')`,
    ),
    check(
      'production_sites_pool_shape',
      sql`(${t.poolKind} = 'solo' and ${t.poolScheme} is null and ${t.poolFeeRate} is null)
       or (${t.poolKind} = 'pool' and ${t.poolScheme} in ('fpps', 'pps+', 'pplns') and ${t.poolFeeRate} >= 0 and ${t.poolFeeRate} < 1)`,
    ),
    check(
      'production_sites_tolerance_range',
      sql`${t.underpaymentTolerance} is null or (${t.underpaymentTolerance} >= 0 and ${t.underpaymentTolerance} < 1)`,
    ),
    check(
      'production_sites_export_price',
      sql`(${t.exportPricePerKwh} is null and ${t.exportCurrency} is null)
       or (${t.exportPricePerKwh} >= 0 and ${t.exportCurrency} ~ '^[A-Z]{3}$')`,
    ),
  ],
);

/** A site's energy price over a half-open period [effective_from, effective_to). Periods of a site never overlap (trigger). */
export const energyTariffs = pgTable(
  'energy_tariffs',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => productionSites.id),
    effectiveFrom: tstz('effective_from').notNull(),
    effectiveTo: tstz('effective_to'),
    pricePerKwh: numeric('price_per_kwh', { precision: 30, scale: 10 }).notNull(),
    currency: text('currency').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('energy_tariffs_site_idx').on(t.siteId, t.effectiveFrom),
    check('energy_tariffs_period', sql`${t.effectiveTo} is null or ${t.effectiveTo} > ${t.effectiveFrom}`),
    check('energy_tariffs_price_positive', sql`${t.pricePerKwh} > 0`),
    check('energy_tariffs_currency_shape', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

/** An exchange rate: 1 `base` = `rate` `quote`, observed at `at` from `source`. Append-only. */
export const fxRates = pgTable(
  'fx_rates',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    base: text('base').notNull(),
    quote: text('quote').notNull(),
    rate: numeric('rate', { precision: 30, scale: 12 }).notNull(),
    at: tstz('at').notNull(),
    source: text('source').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('fx_rates_pair_at_source_idx').on(t.base, t.quote, t.at, t.source),
    index('fx_rates_lookup_idx').on(t.base, t.quote, t.at),
    check('fx_rates_rate_positive', sql`${t.rate} > 0`),
    check(
      'fx_rates_currencies',
      sql`${t.base} ~ '^[A-Z]{3}$' and ${t.quote} ~ '^[A-Z]{3}$' and ${t.base} <> ${t.quote}`,
    ),
    check('fx_rates_source_length', sql`length(${t.source}) between 1 and 200`),
  ],
);

/** A mark of the price of 1 BTC in a fiat currency at `at`, from `source`. Append-only. */
export const btcPriceMarks = pgTable(
  'btc_price_marks',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    currency: text('currency').notNull(),
    price: numeric('price', { precision: 30, scale: 8 }).notNull(),
    at: tstz('at').notNull(),
    source: text('source').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('btc_price_marks_at_source_idx').on(t.currency, t.at, t.source),
    check('btc_price_marks_price_positive', sql`${t.price} > 0`),
    check('btc_price_marks_currency', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('btc_price_marks_source_length', sql`length(${t.source}) between 1 and 200`),
  ],
);

/** Network statistics of one UTC day: what a hash was worth that day. Append-only. */
export const networkDaily = pgTable(
  'network_daily',
  {
    day: date('day', { mode: 'string' }).primaryKey(),
    difficulty: numeric('difficulty', { precision: 40, scale: 8 }).notNull(),
    blocks: integer('blocks').notNull(),
    avgSubsidySat: bigint('avg_subsidy_sat', { mode: 'bigint' }).notNull(),
    avgFeesSat: numeric('avg_fees_sat', { precision: 20, scale: 4 }).notNull(),
    source: text('source').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('network_daily_difficulty_positive', sql`${t.difficulty} > 0`),
    check('network_daily_blocks_range', sql`${t.blocks} between 0 and 10000`),
    check('network_daily_subsidy_range', sql`${t.avgSubsidySat} between 0 and 5000000000`),
    check('network_daily_fees_range', sql`${t.avgFeesSat} >= 0 and ${t.avgFeesSat} <= 2100000000000000`),
  ],
);

/**
 * What a site reported for a period (at most one UTC day, never across midnight), with the energy
 * cost posted to the ledger. A correction inserts a new row and marks the old one superseded
 * (the only change a trigger allows); its ledger entry is reversed, never edited.
 */
export const productionReports = pgTable(
  'production_reports',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => productionSites.id),
    periodStart: tstz('period_start').notNull(),
    periodEnd: tstz('period_end').notNull(),
    /** The UTC day of the period: the network day whose difficulty prices it. */
    day: date('day', { mode: 'string' }).notNull(),
    hashrateThs: numeric('hashrate_ths', { precision: 24, scale: 6 }).notNull(),
    energyKwh: numeric('energy_kwh', { precision: 24, scale: 6 }).notNull(),
    uptime: numeric('uptime', { precision: 7, scale: 6 }).notNull(),
    /** Hours of the period the site was told to stop (the grid had no surplus), when the fleet says. */
    curtailedHours: numeric('curtailed_hours', { precision: 8, scale: 4 }),
    /** hashrate x seconds, kept so a year of reports aggregates with sums only. */
    workThs: numeric('work_ths', { precision: 30, scale: 6 }).notNull(),
    energyCost: numeric('energy_cost', { precision: 30, scale: 8 }).notNull(),
    energyCurrency: text('energy_currency').notNull(),
    costBreakdown: jsonb('cost_breakdown').$type<Record<string, unknown>[]>().notNull(),
    ledgerEntryId: text('ledger_entry_id'),
    replacesId: text('replaces_id'),
    supersededBy: text('superseded_by'),
    supersededAt: tstz('superseded_at'),
    source: text('source').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('production_reports_active_idx').on(t.siteId, t.periodStart).where(sql`${t.supersededBy} is null`),
    index('production_reports_day_idx').on(t.day, t.siteId),
    check(
      'production_reports_period',
      sql`${t.periodEnd} > ${t.periodStart} and ${t.periodEnd} <= ${t.periodStart} + interval '1 day'`,
    ),
    check(
      'production_reports_one_day',
      sql`${t.periodEnd} <= (${t.day}::timestamp at time zone 'UTC') + interval '1 day' and ${t.periodStart} >= (${t.day}::timestamp at time zone 'UTC')`,
    ),
    check(
      'production_reports_nonnegative',
      sql`${t.hashrateThs} >= 0 and ${t.energyKwh} >= 0 and ${t.workThs} >= 0 and ${t.energyCost} >= 0`,
    ),
    check('production_reports_uptime_range', sql`${t.uptime} between 0 and 1`),
    check(
      'production_reports_curtailed_range',
      sql`${t.curtailedHours} is null or (${t.curtailedHours} >= 0 and ${t.curtailedHours} * interval '1 hour' <= ${t.periodEnd} - ${t.periodStart})`,
    ),
    check('production_reports_source', sql`${t.source} in ('api', 'webhook', 'demo')`),
  ],
);

/**
 * Production summed per site, UTC day and energy currency, maintained by a trigger on
 * production_reports in the same transaction (a report adds, its supersession subtracts),
 * so the reconciliation reads 36,500 rows for a year of 100 sites instead of 876,000.
 */
export const productionDaily = pgTable(
  'production_daily',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => productionSites.id),
    day: date('day', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    reports: integer('reports').notNull(),
    workThs: numeric('work_ths', { precision: 30, scale: 6 }).notNull(),
    seconds: bigint('seconds', { mode: 'bigint' }).notNull(),
    energyKwh: numeric('energy_kwh', { precision: 30, scale: 6 }).notNull(),
    energyCost: numeric('energy_cost', { precision: 30, scale: 8 }).notNull(),
    /** Curtailed hours of the reports that state them, and how many reports did. */
    curtailedHours: numeric('curtailed_hours', { precision: 30, scale: 4 }).notNull().default('0'),
    curtailmentReports: integer('curtailment_reports').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.siteId, t.day, t.currency] }),
    index('production_daily_day_idx').on(t.day),
    check(
      'production_daily_nonnegative',
      sql`${t.reports} >= 0 and ${t.seconds} >= 0 and ${t.workThs} >= 0 and ${t.energyKwh} >= 0 and ${t.energyCost} >= 0`,
    ),
  ],
);
