import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { currencyCode, rfc3339 } from '../http/schemas.js';
import { holdingsValued } from './holdings.js';
import { HoldingsSchema } from './schemas.js';

const route = createRoute({
  method: 'get',
  path: '/v1/reports/holdings',
  tags: ['reports'],
  summary:
    'Holdings per policy and status from the ledger, valued: fair value at the latest price mark, value at receipt, production cost, unrealized gain',
  description:
    'Without `as_of`: the current balances of `Assets:Bitcoin:<policy>:<Status>`, each beside the UTXO set in that state ' +
    '(`check.ledger_equals_utxo_set`). With `as_of`: the balances of the entries with occurred_at at or before it. ' +
    'Values are in `currency` (default: the reporting currency) at the latest price mark at or before as_of, named in `price_mark`. ' +
    'Each row and the totals split the coins into `proven_sat` (transaction folded by a merkle branch to its block header, in a block) and `unproven_sat`; see docs/chain.md and docs/reconciliation.md.',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: {
    query: z.object({
      as_of: rfc3339.optional(),
      known_at: rfc3339
        .optional()
        .openapi({ description: 'Only entries recorded by then (defaults as_of to it); docs/reports.md' }),
      currency: currencyCode.optional(),
    }),
  },
  responses: {
    200: {
      description: 'Valued holdings and the ledger-equals-UTXO-set check',
      content: { 'application/json': { schema: HoldingsSchema } },
    },
    ...errorResponses(401, 403, 422),
  },
});

export function holdingsRouter(options: { reportingCurrency: string }) {
  const router = createRouter();
  router.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const holdings = await holdingsValued(c.var.ctx, {
      asOf: q.as_of ? new Date(q.as_of) : q.known_at ? new Date(q.known_at) : null,
      knownAt: q.known_at ? new Date(q.known_at) : undefined,
      currency: q.currency ?? options.reportingCurrency,
    });
    // The ledger reads statuses as strings; the schema names the four (checked in the tests).
    return c.json(holdings as z.infer<typeof HoldingsSchema>, 200);
  });
  return router;
}
