// Production reports: a site's hashrate and energy for a period, and the energy cost posted
// to the ledger in the same transaction. A changed report for the same period is a correction:
// the old row is superseded and its ledger entry reversed; nothing is overwritten.
import { and, asc, eq, gt, gte, isNull, lt, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { productionReports, productionSites } from '../../db/schema/production.js';
import { audit } from '../audit/index.js';
import { EXCLUSION_VIOLATION, refusalOf } from '../../db/errors.js';
import { inTx, type Verb, withTransaction } from '../context.js';
import { DomainError, fieldProblem, invalid, parseInput } from '../errors.js';
import { newId } from '../ids.js';
import { Dec } from '../money/fiat.js';
import { workThSeconds } from './expected.js';
import { energyCost, TariffCurrencyError, TariffGapError, type EnergyCost } from './energy.js';
import { postEnergyCost, reverseEnergyCost } from './ledger-port.js';
import { type ProductionReportInput, ProductionReportSchema } from './schemas.js';
import { tariffsCovering, tariffSpan, type Site } from './sites.js';

export type ProductionReport = typeof productionReports.$inferSelect;
export type ReportSource = 'api' | 'webhook' | 'demo';
export type RecordOutcome = 'created' | 'unchanged' | 'corrected';

type CostBreakdownView = Record<'tariff_id' | 'from' | 'to' | 'energy_kwh' | 'price_per_kwh' | 'cost', string>;

export function toReportView(r: ProductionReport) {
  return {
    id: r.id,
    site: r.siteId,
    period_start: r.periodStart.toISOString(),
    period_end: r.periodEnd.toISOString(),
    hashrate_ths: new Dec(r.hashrateThs).toFixed(),
    energy_kwh: new Dec(r.energyKwh).toFixed(),
    uptime: new Dec(r.uptime).toFixed(),
    curtailed_hours: r.curtailedHours === null ? null : new Dec(r.curtailedHours).toFixed(),
    energy_cost: new Dec(r.energyCost).toFixed(),
    energy_currency: r.energyCurrency,
    cost_breakdown: r.costBreakdown as CostBreakdownView[], // as recordProduction writes it below
    ledger_entry_id: r.ledgerEntryId,
    replaces: r.replacesId,
    superseded_by: r.supersededBy,
  };
}

function sameFigures(r: ProductionReport, input: ProductionReportInput): boolean {
  return (
    r.periodEnd.getTime() === new Date(input.period_end).getTime() &&
    new Dec(r.hashrateThs).eq(input.hashrate_ths) &&
    new Dec(r.energyKwh).eq(input.energy_kwh) &&
    new Dec(r.uptime).eq(input.uptime) &&
    (r.curtailedHours === null
      ? input.curtailed_hours === undefined
      : input.curtailed_hours !== undefined && new Dec(r.curtailedHours).eq(input.curtailed_hours))
  );
}

async function costOf(tx: Executor, site: Site, start: Date, end: Date, energyKwh: Dec): Promise<EnergyCost> {
  const tariffs = (await tariffsCovering(tx, site.id, start, end)).map(tariffSpan);
  if (energyKwh.isZero()) {
    // Nothing consumed, nothing owed: no tariff is needed. XXX is ISO 4217's "no currency".
    return { currency: tariffs[0]?.currency ?? 'XXX', exactCost: new Dec(0), cost: new Dec(0), segments: [] };
  }
  try {
    return energyCost(start, end, energyKwh, tariffs);
  } catch (error) {
    if (error instanceof TariffGapError)
      throw invalid('period_start', `site ${site.id} has no energy tariff in force at ${error.at.toISOString()}`);
    if (error instanceof TariffCurrencyError) throw invalid('period_end', error.message);
    throw error;
  }
}

export interface RecordProductionInput {
  /** The report as received (a webhook's `data`, one item of the API's batch): parsed here. */
  report: unknown;
  /** Who delivered it; defaults to the fleet webhook. */
  source?: ReportSource;
}

/**
 * Records one report inside the caller's transaction if any (the fleet webhook's
 * `production.reported` handler calls this). Same figures again: unchanged; other figures for
 * the same site and period start: a correction. Errors name fields relative to the report.
 */
export async function recordProduction({
  ctx,
  input: { report: raw, source = 'webhook' },
}: Verb<RecordProductionInput>): Promise<{ report: ProductionReport; outcome: RecordOutcome }> {
  const input = parseInput(ProductionReportSchema, raw, 'report');
  return withTransaction(ctx, async (tx) => {
    // The site row lock serialises reports and corrections of one site.
    const [site] = await tx.select().from(productionSites).where(eq(productionSites.id, input.site)).for('update');
    if (!site) throw invalid('site', `unknown site ${input.site}; register it first with POST /v1/sites`);
    const start = new Date(input.period_start);
    const end = new Date(input.period_end);
    const [previous] = await tx
      .select()
      .from(productionReports)
      .where(
        and(
          eq(productionReports.siteId, site.id),
          eq(productionReports.periodStart, start),
          isNull(productionReports.supersededBy),
        ),
      );
    if (previous && sameFigures(previous, input)) return { report: previous, outcome: 'unchanged' as const };

    const id = newId('prd');
    const energyKwh = new Dec(input.energy_kwh);
    const cost = await costOf(tx, site, start, end, energyKwh);
    const txCtx = inTx(ctx, tx);
    if (previous) {
      if (previous.ledgerEntryId)
        await reverseEnergyCost({
          ctx: txCtx,
          input: {
            entryId: previous.ledgerEntryId,
            reportId: previous.id,
            occurredAt: previous.periodStart,
            reason: `production report ${previous.id} corrected by ${id}`,
          },
        });
      await tx
        .update(productionReports)
        .set({ supersededBy: id, supersededAt: new Date() })
        .where(eq(productionReports.id, previous.id));
    }
    const ledgerEntryId = cost.cost.gt(0)
      ? await postEnergyCost({
          ctx: txCtx,
          input: {
            reportId: id,
            siteId: site.id,
            supplier: site.energySupplier,
            amount: cost.cost,
            currency: cost.currency,
            occurredAt: start,
            description: `energy of ${site.id} ${start.toISOString()}..${end.toISOString()}: ${energyKwh.toFixed()} kWh`,
          },
        })
      : null;
    let report: ProductionReport;
    try {
      [report] = (await tx
        .insert(productionReports)
        .values({
          id,
          siteId: site.id,
          periodStart: start,
          periodEnd: end,
          day: start.toISOString().slice(0, 10),
          hashrateThs: input.hashrate_ths,
          energyKwh: input.energy_kwh,
          uptime: input.uptime,
          curtailedHours: input.curtailed_hours ?? null,
          workThs: workThSeconds(new Dec(input.hashrate_ths), (end.getTime() - start.getTime()) / 1000).toFixed(),
          energyCost: cost.cost.toFixed(),
          energyCurrency: cost.currency,
          costBreakdown: cost.segments.map((s) => ({
            tariff_id: s.tariffId,
            from: s.from.toISOString(),
            to: s.to.toISOString(),
            energy_kwh: s.energyKwh.toFixed(),
            price_per_kwh: s.pricePerKwh.toFixed(),
            cost: s.cost.toFixed(),
          })),
          ledgerEntryId,
          replacesId: previous?.id ?? null,
          source,
        })
        .returning()) as [ProductionReport];
    } catch (error) {
      throw (
        refusalOf(error, [
          {
            code: EXCLUSION_VIOLATION,
            to: (refused) =>
              fieldProblem(
                'conflict',
                'period_start',
                `overlaps production report ${refused.detail ?? ''} of site ${site.id}; a correction must have the same period_start`,
              ),
          },
        ]) ?? error
      );
    }
    const outcome: RecordOutcome = previous ? 'corrected' : 'created';
    await audit(tx, ctx, {
      action: `production.report.${outcome}`,
      target: id,
      details: { site: site.id, period_start: input.period_start, replaces: previous?.id ?? null, source },
    });
    return { report, outcome };
  });
}

export interface RecordProductionBatchInput {
  /** The reports as received: each parsed by recordProduction. */
  reports: readonly unknown[];
  /** Defaults to the API. */
  source?: ReportSource;
}

/** A batch is all or nothing: one bad report refuses the batch, naming `reports.<i>.<field>`. */
export async function recordProductionBatch({ ctx, input }: Verb<RecordProductionBatchInput>) {
  const { reports, source = 'api' } = input;
  if (!Array.isArray(reports)) throw invalid('reports', 'must be an array of production reports');
  return withTransaction(ctx, async (tx) => {
    const results: { report: ProductionReport; outcome: RecordOutcome }[] = [];
    for (const [i, report] of reports.entries()) {
      try {
        results.push(await recordProduction({ ctx: inTx(ctx, tx), input: { report, source } }));
      } catch (error) {
        if (error instanceof DomainError && error.options.errors) {
          const errors = error.options.errors.map((e) => ({ field: `reports.${i}.${e.field}`, reason: e.reason }));
          throw new DomainError(error.code, errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
        }
        throw error;
      }
    }
    return results;
  });
}

export async function listReports(
  db: Executor,
  q: {
    site?: string;
    from: Date;
    to: Date;
    includeSuperseded?: boolean;
    after?: { periodStart: Date; id: string };
    limit: number;
  },
) {
  return db
    .select()
    .from(productionReports)
    .where(
      and(
        q.site ? eq(productionReports.siteId, q.site) : undefined,
        gte(productionReports.periodStart, q.from),
        lt(productionReports.periodStart, q.to),
        q.includeSuperseded ? undefined : isNull(productionReports.supersededBy),
        q.after
          ? or(
              gt(productionReports.periodStart, q.after.periodStart),
              and(eq(productionReports.periodStart, q.after.periodStart), gt(productionReports.id, q.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(productionReports.periodStart), asc(productionReports.id))
    .limit(q.limit + 1);
}
