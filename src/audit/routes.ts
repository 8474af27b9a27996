import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { JsonValue, rfc3339 } from '../http/schemas.js';
import { decodeCursor, page, pageQuery, pageSchema, seqCursor } from '../http/pagination.js';
import { listAudit, toAuditView } from './service.js';

const AuditEntrySchema = z
  .object({
    seq: z.string(),
    at: z.string(),
    actor_key_id: z.string().nullable(),
    actor_role: z.string(),
    action: z.string(),
    method: z.string().nullable(),
    route: z.string().nullable(),
    target: z.string().nullable(),
    request_id: z.string().nullable(),
    outcome: z.string(),
    status: z.number().int().nullable(),
    details: z
      .record(z.string(), JsonValue)
      .nullable()
      .openapi({ description: 'What the action recorded; its fields depend on the action' }),
  })
  .strict()
  .openapi('AuditEntry');

const listAuditRoute = createRoute({
  method: 'get',
  path: '/v1/audit-log',
  tags: ['audit'],
  summary: 'The audit log, oldest first, cursor-paginated',
  security: bearerSecurity,
  middleware: [requireRole('auditor')] as const,
  request: {
    query: z.object({
      ...pageQuery,
      from: rfc3339.optional(),
      to: rfc3339.optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of audit entries',
      content: { 'application/json': { schema: pageSchema(AuditEntrySchema) } },
    },
    ...errorResponses(401, 403, 422),
  },
});

export function auditRouter() {
  const router = createRouter();
  router.openapi(listAuditRoute, async (c) => {
    const query = c.req.valid('query');
    const after = decodeCursor(query.cursor, seqCursor);
    const rows = await listAudit(c.var.ctx.db, {
      afterSeq: after ? BigInt(after.seq) : undefined,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.limit + 1,
    });
    const result = page(rows, query.limit, (r) => ({ seq: r.seq.toString() }));
    return c.json({ items: result.items.map(toAuditView), next_cursor: result.next_cursor }, 200);
  });
  return router;
}
