import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { decodeCursor, page, pageQuery, pageSchema, seqCursor } from '../http/pagination.js';
import { listAlerts, toAlertView } from './service.js';

const AlertSchema = z
  .object({
    id: z.string().openapi({ example: 'alr_9c0d1e4b5a6c7d8e3f2a' }),
    kind: z.string().openapi({ example: 'payout.foreign_address' }),
    severity: z.enum(['info', 'warning', 'critical']),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    source: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Alert');

const listAlertsRoute = createRoute({
  method: 'get',
  path: '/v1/alerts',
  tags: ['alerts'],
  summary: 'Security and operational alerts, newest first',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: {
    query: z.object({
      kind: z.string().max(100).optional(),
      severity: z.enum(['info', 'warning', 'critical']).optional(),
      ...pageQuery,
    }),
  },
  responses: {
    200: { description: 'Alerts', content: { 'application/json': { schema: pageSchema(AlertSchema) } } },
    ...errorResponses(401, 403, 422),
  },
});

export function alertsRouter() {
  const router = createRouter();
  router.openapi(listAlertsRoute, async (c) => {
    const query = c.req.valid('query');
    const cursor = decodeCursor(query.cursor, seqCursor);
    const rows = await listAlerts(c.var.ctx, {
      kind: query.kind,
      severity: query.severity,
      limit: query.limit,
      beforeSeq: cursor ? BigInt(cursor.seq) : undefined,
    });
    const { items, next_cursor } = page(rows, query.limit, (row) => ({ seq: row.seq.toString() }));
    return c.json({ items: items.map(toAlertView), next_cursor }, 200);
  });
  return router;
}
