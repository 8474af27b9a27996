// POST /v1/ledger/adjustments (officer proposes), POST .../:id/approvals (a different approver
// decides), GET /v1/ledger/adjustments (list). Routes parse, authorise, call a verb.
import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../../http/env.js';
import { decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.js';
import { notFound } from '../../errors.js';
import { ProposeAdjustmentInput } from './model.js';
import { decideAdjustment, getAdjustment, listAdjustments, proposeAdjustment } from './service.js';
import { AdjustmentSchema, toAdjustmentView } from './views.js';

const idParam = z.object({ id: z.string().regex(/^adj_[0-9a-f]{20}$/, 'must be an adjustment id') });

const proposeRoute = createRoute({
  method: 'post',
  path: '/v1/ledger/adjustments',
  tags: ['ledger'],
  summary: 'Propose a correction: the reversal of an entry, or a balanced entry (an energy supplier payment too)',
  description: 'A different approver posts it with POST /v1/ledger/adjustments/{id}/approvals.',
  security: bearerSecurity,
  middleware: [requireRole('officer')] as const,
  request: { body: jsonBody(ProposeAdjustmentInput) },
  responses: {
    201: { description: 'Proposed', content: { 'application/json': { schema: AdjustmentSchema } } },
    ...errorResponses(401, 403, 409, 422),
  },
});

const decideRoute = createRoute({
  method: 'post',
  path: '/v1/ledger/adjustments/{id}/approvals',
  tags: ['ledger'],
  summary: 'Approve (post the entry) or reject a proposed adjustment; not by its proposer',
  security: bearerSecurity,
  middleware: [requireRole('approver')] as const,
  request: {
    params: idParam,
    body: jsonBody(z.strictObject({ decision: z.enum(['approve', 'reject']) })),
  },
  responses: {
    200: { description: 'Decided', content: { 'application/json': { schema: AdjustmentSchema } } },
    ...errorResponses(401, 403, 404, 409, 422),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/adjustments',
  tags: ['ledger'],
  summary: 'Adjustments, oldest proposal first, cursor-paginated',
  security: bearerSecurity,
  middleware: [requireRole('auditor', 'officer', 'approver')] as const,
  request: { query: z.strictObject({ ...pageQuery, state: z.enum(['proposed', 'posted', 'rejected']).optional() }) },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: pageSchema(AdjustmentSchema) } } },
    ...errorResponses(401, 403, 422),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/adjustments/{id}',
  tags: ['ledger'],
  summary: 'One adjustment',
  security: bearerSecurity,
  middleware: [requireRole('auditor', 'officer', 'approver')] as const,
  request: { params: idParam },
  responses: {
    200: { description: 'The adjustment', content: { 'application/json': { schema: AdjustmentSchema } } },
    ...errorResponses(401, 403, 404, 422),
  },
});

const cursorSchema = z.object({ at: z.iso.datetime(), id: z.string().max(40) });

export function adjustmentsRouter() {
  const router = createRouter();
  router.openapi(proposeRoute, async (c) => {
    const row = await proposeAdjustment({ ctx: c.var.ctx, input: c.req.valid('json') });
    return c.json(toAdjustmentView(row), 201);
  });
  router.openapi(decideRoute, async (c) => {
    const { id } = c.req.valid('param');
    const row = await decideAdjustment({ ctx: c.var.ctx, input: { id, ...c.req.valid('json') } });
    return c.json(toAdjustmentView(row), 200);
  });
  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor, cursorSchema);
    const rows = await listAdjustments(c.var.ctx, {
      state: q.state,
      after: after ? { at: new Date(after.at), id: after.id } : undefined,
      limit: q.limit + 1,
    });
    const result = page(rows, q.limit, (r) => ({ at: r.proposedAt.toISOString(), id: r.id }));
    return c.json({ items: result.items.map(toAdjustmentView), next_cursor: result.next_cursor }, 200);
  });
  router.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const row = await getAdjustment(c.var.ctx, id);
    if (!row) throw notFound(`adjustment ${id}`);
    return c.json(toAdjustmentView(row), 200);
  });
  return router;
}
