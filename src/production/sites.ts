// Sites and their energy tariffs (admin).
import { and, asc, eq, gt, isNull, lte, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { EXCLUSION_VIOLATION, refusalOf, type SqlError, UNIQUE_VIOLATION } from '../../db/errors.js';
import { energyTariffs, productionReports, productionSites } from '../../db/schema/production.js';
import { audit } from '../audit/index.js';
import { type Verb, withTransaction } from '../context.js';
import { conflict, DomainError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { Dec } from '../money/fiat.js';
import type { PoolArrangement, PoolScheme } from './expected.js';
import type { TariffSpan } from './energy.js';
import type { CreateSiteInput, CreateTariffInput } from './schemas.js';

export type Site = typeof productionSites.$inferSelect;
export type Tariff = typeof energyTariffs.$inferSelect;

export function arrangementOf(site: Site): PoolArrangement {
  return site.poolKind === 'solo'
    ? { kind: 'solo' }
    : { kind: 'pool', scheme: site.poolScheme as PoolScheme, feeRate: new Dec(site.poolFeeRate!) };
}

export function toSiteView(site: Site) {
  return {
    id: site.id,
    name: site.name,
    region: site.region,
    energy_source: site.energySource,
    pool:
      site.poolKind === 'solo'
        ? { kind: 'solo' as const }
        : {
            kind: 'pool' as const,
            name: site.poolName,
            scheme: site.poolScheme!,
            fee_rate: new Dec(site.poolFeeRate!).toFixed(),
          },
    underpayment_tolerance: site.underpaymentTolerance === null ? null : new Dec(site.underpaymentTolerance).toFixed(),
    energy_supplier: site.energySupplier,
    export_price:
      site.exportPricePerKwh === null
        ? null
        : { price_per_kwh: new Dec(site.exportPricePerKwh).toFixed(), currency: site.exportCurrency! },
    created_at: site.createdAt.toISOString(),
  };
}

export function toTariffView(t: Tariff) {
  return {
    id: t.id,
    site_id: t.siteId,
    effective_from: t.effectiveFrom.toISOString(),
    effective_to: t.effectiveTo?.toISOString() ?? null,
    price_per_kwh: new Dec(t.pricePerKwh).toFixed(),
    currency: t.currency,
  };
}

export function tariffSpan(t: Tariff): TariffSpan {
  return {
    id: t.id,
    effectiveFrom: t.effectiveFrom,
    effectiveTo: t.effectiveTo,
    pricePerKwh: new Dec(t.pricePerKwh),
    currency: t.currency,
  };
}

export async function createSite({ ctx, input }: Verb<CreateSiteInput>) {
  return withTransaction(ctx, async (tx) => {
    const [existing] = await tx.select().from(productionSites).where(eq(productionSites.id, input.id));
    if (existing) throw conflict(`site ${input.id} already exists`);
    try {
      const [site] = await tx
        .insert(productionSites)
        .values({
          id: input.id,
          name: input.name,
          region: input.region,
          energySource: input.energy_source,
          poolKind: input.pool.kind,
          poolScheme: input.pool.kind === 'pool' ? input.pool.scheme : null,
          poolName: input.pool.kind === 'pool' ? (input.pool.name ?? null) : null,
          poolFeeRate: input.pool.kind === 'pool' ? input.pool.fee_rate : null,
          underpaymentTolerance: input.underpayment_tolerance ?? null,
          energySupplier: input.energy_supplier,
          exportPricePerKwh: input.export_price_per_kwh ?? null,
          exportCurrency: input.export_currency ?? null,
        })
        .returning();
      await audit(tx, ctx, {
        action: 'production.site.create',
        target: input.id,
        details: { name: input.name, pool: input.pool },
      });
      return site!;
    } catch (error) {
      throw (
        refusalOf(error, [{ code: UNIQUE_VIOLATION, to: () => conflict(`site ${input.id} already exists`) }]) ?? error
      );
    }
  });
}

export async function getSite(db: Executor, id: string): Promise<Site> {
  const [site] = await db.select().from(productionSites).where(eq(productionSites.id, id));
  if (!site) throw notFound(`site ${id}`);
  return site;
}

export async function listSites(db: Executor): Promise<Site[]> {
  return db.select().from(productionSites).orderBy(asc(productionSites.id));
}

export async function listTariffs(db: Executor, siteId: string): Promise<Tariff[]> {
  return db
    .select()
    .from(energyTariffs)
    .where(eq(energyTariffs.siteId, siteId))
    .orderBy(asc(energyTariffs.effectiveFrom));
}

/** Tariffs of a site in force at some moment of [from, to). */
export async function tariffsCovering(db: Executor, siteId: string, from: Date, to: Date): Promise<Tariff[]> {
  return db
    .select()
    .from(energyTariffs)
    .where(
      and(
        eq(energyTariffs.siteId, siteId),
        lte(energyTariffs.effectiveFrom, to),
        or(isNull(energyTariffs.effectiveTo), gt(energyTariffs.effectiveTo, from)),
      ),
    )
    .orderBy(asc(energyTariffs.effectiveFrom));
}

function overlapError(error: unknown, what: string): never {
  const overlap = {
    code: EXCLUSION_VIOLATION,
    to: (refused: SqlError) =>
      new DomainError(
        'conflict',
        `${what} overlaps the site's tariff ${refused.detail ?? ''}; tariff periods may not overlap`.replace(' ;', ';'),
        { errors: [{ field: 'effective_from', reason: 'overlaps another tariff of the site' }] },
      ),
  };
  throw refusalOf(error, [overlap]) ?? error;
}

export async function createTariff({ ctx, input }: Verb<CreateTariffInput & { site_id: string }>) {
  return withTransaction(ctx, async (tx) => {
    await getSite(tx, input.site_id);
    try {
      const [tariff] = await tx
        .insert(energyTariffs)
        .values({
          id: newId('trf'),
          siteId: input.site_id,
          effectiveFrom: new Date(input.effective_from),
          effectiveTo: input.effective_to ? new Date(input.effective_to) : null,
          pricePerKwh: input.price_per_kwh,
          currency: input.currency,
        })
        .returning();
      await audit(tx, ctx, {
        action: 'production.tariff.create',
        target: tariff!.id,
        details: { site_id: input.site_id, price_per_kwh: input.price_per_kwh, currency: input.currency },
      });
      return tariff!;
    } catch (error) {
      overlapError(error, 'the tariff');
    }
  });
}

/** Closes an open-ended tariff; refused when production already costed under it lies after the new end. */
export async function closeTariff({ ctx, input }: Verb<{ site_id: string; tariff_id: string; effective_to: string }>) {
  return withTransaction(ctx, async (tx) => {
    const [tariff] = await tx
      .select()
      .from(energyTariffs)
      .where(and(eq(energyTariffs.id, input.tariff_id), eq(energyTariffs.siteId, input.site_id)))
      .for('update');
    if (!tariff) throw notFound(`tariff ${input.tariff_id} of site ${input.site_id}`);
    const end = new Date(input.effective_to);
    if (tariff.effectiveTo)
      throw conflict(`tariff ${tariff.id} is already closed at ${tariff.effectiveTo.toISOString()}`);
    if (end <= tariff.effectiveFrom)
      throw new DomainError('validation_failed', "effective_to: must be after the tariff's effective_from", {
        errors: [{ field: 'effective_to', reason: "must be after the tariff's effective_from" }],
      });
    const [costed] = await tx
      .select({ id: productionReports.id })
      .from(productionReports)
      .where(
        and(
          eq(productionReports.siteId, input.site_id),
          isNull(productionReports.supersededBy),
          gt(productionReports.periodEnd, end),
          gt(productionReports.periodEnd, tariff.effectiveFrom),
        ),
      )
      .limit(1);
    if (costed)
      throw conflict(
        `production report ${costed.id} was costed under this tariff after ${end.toISOString()}; correct it first`,
      );
    try {
      const [closed] = await tx
        .update(energyTariffs)
        .set({ effectiveTo: end })
        .where(eq(energyTariffs.id, tariff.id))
        .returning();
      await audit(tx, ctx, {
        action: 'production.tariff.close',
        target: tariff.id,
        details: { effective_to: end.toISOString() },
      });
      return closed!;
    } catch (error) {
      overlapError(error, 'the tariff');
    }
  });
}
