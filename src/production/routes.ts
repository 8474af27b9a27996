import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../http/env.js';
import { decodeCursor, page, pageQuery } from '../http/pagination.js';
import { recordNetworkDays, recordPrices, recordRates } from './market.js';
import { marketReadsRouter } from './market-read-routes.js';
import { listReports, recordProductionBatch, toReportView } from './reports.js';
import {
  CloseTariffSchema,
  CreateSiteSchema,
  CreateTariffSchema,
  NetworkBatchSchema,
  PricesBatchSchema,
  ProductionBatchSchema,
  RatesBatchSchema,
} from './schemas.js';
import { rfc3339 } from '../http/schemas.js';
import {
  closeTariff,
  createSite,
  createTariff,
  getSite,
  listSites,
  listTariffs,
  toSiteView,
  toTariffView,
} from './sites.js';

const admin = requireRole('admin');
const reader = requireRole('officer', 'approver', 'auditor');
const tags = ['production'];
const json = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});

const SiteView = z
  .object({
    id: z.string(),
    name: z.string(),
    region: z.string(),
    energy_source: z.string(),
    pool: z
      .object({
        kind: z.enum(['solo', 'pool']),
        name: z.string().nullable().optional(),
        scheme: z.string().optional(),
        fee_rate: z.string().optional(),
      })
      .strict(),
    underpayment_tolerance: z.string().nullable(),
    energy_supplier: z.string(),
    export_price: z.object({ price_per_kwh: z.string(), currency: z.string() }).strict().nullable(),
    created_at: z.string(),
  })
  .strict()
  .openapi('Site');
const TariffView = z
  .object({
    id: z.string(),
    site_id: z.string(),
    effective_from: z.string(),
    effective_to: z.string().nullable(),
    price_per_kwh: z.string(),
    currency: z.string(),
  })
  .strict()
  .openapi('EnergyTariff');
const RecordedView = z.object({ received: z.number().int(), inserted: z.number().int() }).strict();
const ReportView = z
  .object({
    id: z.string(),
    site: z.string(),
    period_start: z.string(),
    period_end: z.string(),
    hashrate_ths: z.string(),
    energy_kwh: z.string(),
    uptime: z.string(),
    curtailed_hours: z.string().nullable(),
    energy_cost: z.string(),
    energy_currency: z.string(),
    cost_breakdown: z.array(
      z
        .object({
          tariff_id: z.string(),
          from: z.string(),
          to: z.string(),
          energy_kwh: z.string(),
          price_per_kwh: z.string(),
          cost: z.string(),
        })
        .strict()
        .openapi({ description: 'One tariff segment of the period, exact' }),
    ),
    ledger_entry_id: z.string().nullable(),
    replaces: z.string().nullable(),
    superseded_by: z.string().nullable(),
  })
  .strict()
  .openapi('ProductionReportView');
const siteParam = z.object({ id: z.string().max(64) });
const reportCursor = z.object({ period_start: z.iso.datetime(), id: z.string().max(64) });

const routes = {
  createSite: createRoute({
    method: 'post',
    path: '/v1/sites',
    tags,
    summary: 'Create a mining site',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { body: jsonBody(CreateSiteSchema) },
    responses: { 201: json(SiteView, 'Created'), ...errorResponses(401, 403, 409, 413, 415, 422) },
  }),
  listSites: createRoute({
    method: 'get',
    path: '/v1/sites',
    tags,
    summary: 'List mining sites',
    security: bearerSecurity,
    middleware: [reader] as const,
    responses: { 200: json(z.strictObject({ items: z.array(SiteView) })), ...errorResponses(401, 403) },
  }),
  getSite: createRoute({
    method: 'get',
    path: '/v1/sites/{id}',
    tags,
    summary: 'A mining site',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: { params: siteParam },
    responses: { 200: json(SiteView), ...errorResponses(401, 403, 404) },
  }),
  createTariff: createRoute({
    method: 'post',
    path: '/v1/sites/{id}/tariffs',
    tags,
    summary: 'Add an energy tariff to a site (periods may not overlap)',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { params: siteParam, body: jsonBody(CreateTariffSchema) },
    responses: { 201: json(TariffView, 'Created'), ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
  }),
  listTariffs: createRoute({
    method: 'get',
    path: '/v1/sites/{id}/tariffs',
    tags,
    summary: "A site's energy tariffs",
    security: bearerSecurity,
    middleware: [reader] as const,
    request: { params: siteParam },
    responses: { 200: json(z.strictObject({ items: z.array(TariffView) })), ...errorResponses(401, 403, 404) },
  }),
  closeTariff: createRoute({
    method: 'post',
    path: '/v1/sites/{id}/tariffs/{tariff_id}/close',
    tags,
    summary: 'Close an open-ended tariff',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: {
      params: z.object({ id: z.string().max(64), tariff_id: z.string().max(64) }),
      body: jsonBody(CloseTariffSchema),
    },
    responses: { 200: json(TariffView), ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
  }),
  rates: createRoute({
    method: 'post',
    path: '/v1/rates',
    tags,
    summary: 'Record FX rates (1 base = rate quote), each with time and source',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { body: jsonBody(RatesBatchSchema) },
    responses: { 200: json(RecordedView), ...errorResponses(401, 403, 409, 413, 415, 422) },
  }),
  prices: createRoute({
    method: 'post',
    path: '/v1/prices',
    tags,
    summary: 'Record BTC price marks, each with time and source',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { body: jsonBody(PricesBatchSchema) },
    responses: { 200: json(RecordedView), ...errorResponses(401, 403, 409, 413, 415, 422) },
  }),
  network: createRoute({
    method: 'post',
    path: '/v1/network/daily',
    tags,
    summary: 'Record daily network statistics (difficulty, blocks, average subsidy and fees)',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { body: jsonBody(NetworkBatchSchema) },
    responses: { 200: json(RecordedView), ...errorResponses(401, 403, 409, 413, 415, 422) },
  }),
  production: createRoute({
    method: 'post',
    path: '/v1/production',
    tags,
    summary: 'Record production reports (all or nothing); energy cost is posted to the ledger',
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { body: jsonBody(ProductionBatchSchema) },
    responses: {
      200: json(
        z.strictObject({
          items: z.array(ReportView.extend({ outcome: z.enum(['created', 'unchanged', 'corrected']) }).strict()),
        }),
      ),
      ...errorResponses(401, 403, 409, 413, 415, 422),
    },
  }),
  listProduction: createRoute({
    method: 'get',
    path: '/v1/production',
    tags,
    summary: 'Production reports of a time range',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: {
      query: z.object({
        from: rfc3339,
        to: rfc3339,
        site_id: z.string().max(64).optional(),
        include_superseded: z.enum(['true', 'false']).optional(),
        ...pageQuery,
      }),
    },
    responses: {
      200: json(z.strictObject({ items: z.array(ReportView), next_cursor: z.string().nullable() })),
      ...errorResponses(401, 403, 422),
    },
  }),
};

export function productionRouter() {
  const router = createRouter();
  router.openapi(routes.createSite, async (c) =>
    c.json(toSiteView(await createSite({ ctx: c.var.ctx, input: c.req.valid('json') })), 201),
  );
  router.openapi(routes.listSites, async (c) =>
    c.json({ items: (await listSites(c.var.ctx.db)).map(toSiteView) }, 200),
  );
  router.openapi(routes.getSite, async (c) =>
    c.json(toSiteView(await getSite(c.var.ctx.db, c.req.valid('param').id)), 200),
  );
  router.openapi(routes.createTariff, async (c) =>
    c.json(
      toTariffView(
        await createTariff({ ctx: c.var.ctx, input: { ...c.req.valid('json'), site_id: c.req.valid('param').id } }),
      ),
      201,
    ),
  );
  router.openapi(routes.listTariffs, async (c) => {
    const site = await getSite(c.var.ctx.db, c.req.valid('param').id);
    return c.json({ items: (await listTariffs(c.var.ctx.db, site.id)).map(toTariffView) }, 200);
  });
  router.openapi(routes.closeTariff, async (c) => {
    const { id, tariff_id } = c.req.valid('param');
    return c.json(
      toTariffView(
        await closeTariff({
          ctx: c.var.ctx,
          input: { site_id: id, tariff_id, effective_to: c.req.valid('json').effective_to },
        }),
      ),
      200,
    );
  });
  router.openapi(routes.rates, async (c) =>
    c.json(await recordRates({ ctx: c.var.ctx, input: c.req.valid('json') }), 200),
  );
  router.openapi(routes.prices, async (c) =>
    c.json(await recordPrices({ ctx: c.var.ctx, input: c.req.valid('json') }), 200),
  );
  router.openapi(routes.network, async (c) =>
    c.json(await recordNetworkDays({ ctx: c.var.ctx, input: c.req.valid('json') }), 200),
  );
  router.openapi(routes.production, async (c) => {
    const results = await recordProductionBatch({
      ctx: c.var.ctx,
      input: { reports: c.req.valid('json').reports, source: 'api' },
    });
    return c.json({ items: results.map((r) => ({ ...toReportView(r.report), outcome: r.outcome })) }, 200);
  });
  router.openapi(routes.listProduction, async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor, reportCursor);
    const rows = await listReports(c.var.ctx.db, {
      from: new Date(q.from),
      to: new Date(q.to),
      site: q.site_id,
      includeSuperseded: q.include_superseded === 'true',
      after: after ? { periodStart: new Date(after.period_start), id: after.id } : undefined,
      limit: q.limit,
    });
    const { items, next_cursor } = page(rows, q.limit, (r) => ({
      period_start: r.periodStart.toISOString(),
      id: r.id,
    }));
    return c.json({ items: items.map(toReportView), next_cursor }, 200);
  });
  router.route('/', marketReadsRouter()); // GET /v1/prices, /v1/rates, /v1/network/daily
  return router;
}
