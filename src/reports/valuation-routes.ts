import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { currencyCode, rfc3339 } from '../production/schemas.js';
import { valueHoldings } from './valuation.js';

const route = createRoute({
  method: 'get',
  path: '/v1/reports/valuation',
  tags: ['reports'],
  summary: 'Holdings valued per policy and status: fair value at the latest price mark, value at receipt, production cost, unrealized gain',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: { query: z.object({ as_of: rfc3339.optional(), currency: currencyCode.optional() }) },
  responses: {
    200: { description: 'Valued holdings', content: { 'application/json': { schema: z.object({}).passthrough().openapi('ValuedHoldings') } } },
    ...errorResponses(401, 403, 422),
  },
});

export function valuationRouter(options: { reportingCurrency: string }) {
  const router = createRouter();
  router.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await valueHoldings(c.var.ctx, { asOf: q.as_of ? new Date(q.as_of) : new Date(), currency: q.currency ?? options.reportingCurrency }), 200);
  });
  return router;
}
