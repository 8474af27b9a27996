import { createRoute, z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { rfc3339 } from '../http/schemas.js';
import { proofCsvRecords, proofOfReserves } from './proof-of-reserves.js';
import { ProofOfReservesSchema } from './schemas.js';

const route = createRoute({
  method: 'get',
  path: '/v1/reports/proof-of-reserves',
  tags: ['reports'],
  summary:
    'Descriptors, every address holding coins with its UTXOs, the total, the chain tip and the ledger head hash (JSON or CSV)',
  description:
    'Without `as_of`, the current UTXO set; with `as_of`, the set as of then by valid time (block time, payout period, event time), each coin in the state it was in; `known_at` limits it to what the reserve had recorded by then. Only confirmed, non-orphaned coins are in the total; `total.proven_sat` / `unproven_sat` and each UTXO `merkle_proven` say which were proven by a merkle branch against their block header (docs/chain.md). See docs/reports.md.',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: {
    query: z.object({
      as_of: rfc3339.optional().openapi({ description: 'Valid time: block time, payout period, event time' }),
      known_at: rfc3339
        .optional()
        .openapi({ description: 'Only what the reserve had recorded by then (defaults as_of to it)' }),
      format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).default('json'),
    }),
  },
  responses: {
    200: {
      description: 'The proof',
      content: {
        'application/json': { schema: ProofOfReservesSchema },
        'text/csv': { schema: z.string() },
      },
    },
    ...errorResponses(401, 403, 422),
  },
});

export function proofOfReservesRouter() {
  const router = createRouter();
  router.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const knownAt = q.known_at ? new Date(q.known_at) : undefined;
    const asOf = q.as_of ? new Date(q.as_of) : (knownAt ?? null);
    const proof = await proofOfReserves(c.var.ctx, { asOf, knownAt });
    if (q.format === 'csv' || /\btext\/csv\b/.test(c.req.header('accept') ?? '')) {
      return c.body(stringify(proofCsvRecords(proof)), 200, { 'content-type': 'text/csv; charset=utf-8' }) as never;
    }
    return c.json(proof, 200);
  });
  return router;
}
