// GET /v1/prices, /v1/rates, /v1/network/daily: the valuation inputs, cursor-paginated.
import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { decodeCursor, page, pageQuery, pageSchema } from '../http/pagination.js';
import { currencyCode, rfc3339 } from '../http/schemas.js';
import {
  readFxRates,
  readNetworkDays,
  readPriceMarks,
  toNetworkDayView,
  toPriceRowView,
  toRateRowView,
} from './market-reads.js';

const reader = requireRole('officer', 'approver', 'auditor');
const tags = ['production'];
const window = {
  from: rfc3339.optional().openapi({ description: 'at or after' }),
  to: rfc3339.optional().openapi({ description: 'before (half-open [from, to))' }),
};
const day = z.iso.date({ message: 'must be a date YYYY-MM-DD' });
const timeCursor = z.object({ at: z.iso.datetime(), id: z.string().regex(/^\d{1,19}$/) });
const dayCursor = z.object({ day });

const PriceRow = z
  .strictObject({
    currency: z.string(),
    price: z.string(),
    at: z.string(),
    source: z.string(),
    recorded_at: z.string(),
  })
  .openapi('PriceMark');
const RateRow = z
  .strictObject({
    base: z.string(),
    quote: z.string(),
    rate: z.string(),
    at: z.string(),
    source: z.string(),
    recorded_at: z.string(),
  })
  .openapi('FxRate');
const DayRow = z
  .strictObject({
    day: z.string(),
    difficulty: z.string(),
    blocks: z.number().int(),
    avg_subsidy_sat: z.string(),
    avg_fees_sat: z.string(),
    source: z.string(),
    recorded_at: z.string(),
  })
  .openapi('NetworkDay');
const ok = <T extends z.ZodType>(schema: T) => ({
  200: { description: 'A page, oldest first', content: { 'application/json': { schema: pageSchema(schema) } } },
  ...errorResponses(401, 403, 422),
});

const routes = {
  prices: createRoute({
    method: 'get',
    path: '/v1/prices',
    tags,
    summary: 'BTC price marks as recorded (the inputs of every valuation), oldest first',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: { query: z.strictObject({ ...pageQuery, currency: currencyCode.optional(), ...window }) },
    responses: ok(PriceRow),
  }),
  rates: createRoute({
    method: 'get',
    path: '/v1/rates',
    tags,
    summary: 'FX rates as recorded (1 base = rate quote), oldest first',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: {
      query: z.strictObject({ ...pageQuery, base: currencyCode.optional(), quote: currencyCode.optional(), ...window }),
    },
    responses: ok(RateRow),
  }),
  network: createRoute({
    method: 'get',
    path: '/v1/network/daily',
    tags,
    summary: 'Daily network statistics as recorded, oldest day first',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: {
      query: z.strictObject({
        ...pageQuery,
        from: day.optional().openapi({ description: 'first day' }),
        to: day.optional().openapi({ description: 'day after the last (half-open)' }),
      }),
    },
    responses: ok(DayRow),
  }),
};

const timeOf = (q: { from?: string; to?: string }) => ({
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});
const keysetOf = (cursor: string | undefined) => {
  const c = decodeCursor(cursor, timeCursor);
  return c ? { at: new Date(c.at), id: BigInt(c.id) } : undefined;
};
const cursorOf = (r: { at: Date; id: bigint }) => ({ at: r.at.toISOString(), id: r.id.toString() });

export function marketReadsRouter() {
  const router = createRouter();
  router.openapi(routes.prices, async (c) => {
    const q = c.req.valid('query');
    const rows = await readPriceMarks(c.var.ctx.db, {
      ...timeOf(q),
      currency: q.currency,
      after: keysetOf(q.cursor),
      limit: q.limit + 1,
    });
    const result = page(rows, q.limit, cursorOf);
    return c.json({ items: result.items.map(toPriceRowView), next_cursor: result.next_cursor }, 200);
  });
  router.openapi(routes.rates, async (c) => {
    const q = c.req.valid('query');
    const rows = await readFxRates(c.var.ctx.db, {
      ...timeOf(q),
      base: q.base,
      quote: q.quote,
      after: keysetOf(q.cursor),
      limit: q.limit + 1,
    });
    const result = page(rows, q.limit, cursorOf);
    return c.json({ items: result.items.map(toRateRowView), next_cursor: result.next_cursor }, 200);
  });
  router.openapi(routes.network, async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor, dayCursor);
    const rows = await readNetworkDays(c.var.ctx.db, {
      from: q.from,
      to: q.to,
      afterDay: after?.day,
      limit: q.limit + 1,
    });
    const result = page(rows, q.limit, (r) => ({ day: r.day }));
    return c.json({ items: result.items.map(toNetworkDayView), next_cursor: result.next_cursor }, 200);
  });
  return router;
}
