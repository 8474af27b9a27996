import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../http/env.js';
import { decodeCursor, page, pageQuery, pageSchema, seqCursor } from '../http/pagination.js';
import { ALERT_KIND_NAMES, ALERT_KINDS, ALERT_SEVERITIES, type AlertKind } from './kinds.js';
import { acknowledgeAlert, getAlert, listAlertRows, toAlertView } from './service.js';
import { raiseWitnessRefusal, WitnessRefusalInput } from './witness.js';

const AcknowledgementSchema = z
  .strictObject({
    note: z.string(),
    by: z.string().openapi({ description: "the acknowledging key's name" }),
    key_id: z.string().nullable(),
    at: z.string(),
  })
  .openapi('AlertAcknowledgement');

const camel = (kind: string) =>
  kind
    .split(/[._]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** One object per kind, its details that kind's schema: /openapi.json says exactly what each carries. */
function variant<K extends AlertKind>(kind: K) {
  return z
    .strictObject({
      id: z.string().openapi({ example: 'alr_9c0d1e4b5a6c7d8e3f2a' }),
      kind: z.literal(kind),
      severity: z.enum(ALERT_SEVERITIES),
      state: z.enum(['open', 'acknowledged']),
      message: z.string(),
      details: ALERT_KINDS[kind].details,
      source: z.string().nullable(),
      created_at: z.string(),
      acknowledgement: AcknowledgementSchema.nullable(),
    })
    .openapi(`Alert${camel(kind)}`);
}

const variants = ALERT_KIND_NAMES.map(variant) as unknown as [
  ReturnType<typeof variant>,
  ...ReturnType<typeof variant>[],
];
const AlertSchema = z.discriminatedUnion('kind', variants).openapi('Alert');

const alertIdParam = z.object({ id: z.string().regex(/^alr_[0-9a-f]{20}$/, 'must be an alert id (alr_...)') });
const readers = ['officer', 'approver', 'auditor'] as const;
const alertAnswer = (description: string) => ({
  description,
  content: { 'application/json': { schema: AlertSchema } },
});

const listAlertsRoute = createRoute({
  method: 'get',
  path: '/v1/alerts',
  tags: ['alerts'],
  summary: 'Security and operational alerts, newest first, filtered by kind, severity and state',
  security: bearerSecurity,
  middleware: [requireRole(...readers)] as const,
  request: {
    query: z.strictObject({
      kind: z.enum(ALERT_KIND_NAMES).optional(),
      severity: z.enum(ALERT_SEVERITIES).optional(),
      state: z.enum(['open', 'acknowledged']).optional(),
      ...pageQuery,
    }),
  },
  responses: {
    200: { description: 'Alerts', content: { 'application/json': { schema: pageSchema(AlertSchema) } } },
    ...errorResponses(401, 403, 422),
  },
});

const getAlertRoute = createRoute({
  method: 'get',
  path: '/v1/alerts/{id}',
  tags: ['alerts'],
  summary: 'One alert with its acknowledgement',
  security: bearerSecurity,
  middleware: [requireRole(...readers)] as const,
  request: { params: alertIdParam },
  responses: { 200: alertAnswer('The alert'), ...errorResponses(401, 403, 404, 422) },
});

const acknowledgeRoute = createRoute({
  method: 'post',
  path: '/v1/alerts/{id}/acknowledgements',
  tags: ['alerts'],
  summary: 'Acknowledge an alert with a note (once; officers)',
  security: bearerSecurity,
  middleware: [requireRole('officer')] as const,
  request: {
    params: alertIdParam,
    body: jsonBody(
      z.strictObject({ note: z.string().max(2000).openapi({ example: 'pool contacted, see ticket 41' }) }),
    ),
  },
  responses: { 201: alertAnswer('Acknowledged'), ...errorResponses(401, 403, 404, 409, 415, 422) },
});

const refusalRoute = createRoute({
  method: 'post',
  path: '/v1/transparency/refusals',
  tags: ['transparency'],
  summary: 'A witness reports a checkpoint it refused to cosign; raises transparency.checkpoint_refused',
  security: bearerSecurity,
  middleware: [requireRole('auditor')] as const,
  request: { body: jsonBody(WitnessRefusalInput) },
  responses: {
    201: alertAnswer('The alert raised (or the open one that already says it)'),
    ...errorResponses(401, 403, 415, 422),
  },
});

export function alertsRouter() {
  const router = createRouter();
  router.openapi(listAlertsRoute, async (c) => {
    const query = c.req.valid('query');
    const cursor = decodeCursor(query.cursor, seqCursor);
    const rows = await listAlertRows(c.var.ctx, {
      kind: query.kind,
      severity: query.severity,
      state: query.state,
      limit: query.limit,
      beforeSeq: cursor ? BigInt(cursor.seq) : undefined,
    });
    const { items, next_cursor } = page(rows, query.limit, (row) => ({ seq: row.alert.seq.toString() }));
    return c.json({ items: items.map(toAlertView), next_cursor } as never, 200);
  });
  router.openapi(getAlertRoute, async (c) =>
    c.json(toAlertView(await getAlert(c.var.ctx, c.req.valid('param').id)) as never, 200),
  );
  router.openapi(acknowledgeRoute, async (c) => {
    const row = await acknowledgeAlert({
      ctx: c.var.ctx,
      input: { alert_id: c.req.valid('param').id, note: c.req.valid('json').note },
    });
    return c.json(toAlertView(row) as never, 201);
  });
  router.openapi(refusalRoute, async (c) =>
    c.json(toAlertView(await raiseWitnessRefusal({ ctx: c.var.ctx, input: c.req.valid('json') })) as never, 201),
  );
  return router;
}
