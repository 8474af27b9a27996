import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { currencyCode, rfc3339 } from '../http/schemas.js';
import { rollForward } from './rollforward.js';
import { RollForwardSchema } from './schemas.js';

const route = createRoute({
  method: 'get',
  path: '/v1/reports/rollforward',
  tags: ['reports'],
  summary:
    'Bitcoin roll-forward (ASU 2023-08 shape): opening, additions by site, reversals, dispositions, remeasurement, closing',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: {
    query: z
      .object({
        from: rfc3339,
        to: rfc3339,
        currency: currencyCode.optional(),
        known_at: rfc3339.optional().openapi({
          description: 'Only what the ledger had recorded by then (recorded_at): the report as run at that time',
        }),
      })
      .refine((v) => Date.parse(v.to) > Date.parse(v.from), { path: ['to'], message: 'must be after from' }),
  },
  responses: {
    200: {
      description: 'The roll-forward',
      content: { 'application/json': { schema: RollForwardSchema } },
    },
    ...errorResponses(401, 403, 422),
  },
});

export function rollforwardRouter(options: { reportingCurrency: string }) {
  const router = createRouter();
  router.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(
      await rollForward(c.var.ctx, {
        from: new Date(q.from),
        to: new Date(q.to),
        currency: q.currency ?? options.reportingCurrency,
        knownAt: q.known_at ? new Date(q.known_at) : undefined,
      }),
      200,
    );
  });
  return router;
}
