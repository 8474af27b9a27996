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
    'Without `as_of`, the current UTXO set; with `as_of`, the set as the reserve had recorded it then (each coin in the state it was in). See docs/reconciliation.md.',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: {
    query: z.object({
      as_of: rfc3339.optional(),
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
    const proof = await proofOfReserves(c.var.ctx, { asOf: q.as_of ? new Date(q.as_of) : null });
    if (q.format === 'csv' || /\btext\/csv\b/.test(c.req.header('accept') ?? '')) {
      return c.body(stringify(proofCsvRecords(proof)), 200, { 'content-type': 'text/csv; charset=utf-8' }) as never;
    }
    return c.json(proof, 200);
  });
  return router;
}
