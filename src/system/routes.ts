import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { migrationStatus } from '../../db/migrate.js';
import { createRouter, errorResponses } from '../http/env.js';
import type { Metrics } from '../http/metrics.js';
import { DomainError } from '../errors.js';

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['system'],
  summary: 'The process is up',
  responses: {
    200: {
      description: 'Up',
      content: { 'application/json': { schema: z.strictObject({ status: z.literal('ok') }) } },
    },
  },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['system'],
  summary: 'The database answers and its migrations are current',
  responses: {
    200: {
      description: 'Ready',
      content: {
        'application/json': {
          schema: z.strictObject({ status: z.literal('ready'), engine: z.enum(['pglite', 'postgres']) }),
        },
      },
    },
    ...errorResponses(503),
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['system'],
  summary: 'Prometheus metrics',
  responses: { 200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: z.string() } } } },
});

export function systemRouter(database: Database, metrics: Metrics) {
  const router = createRouter();
  router.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  router.openapi(readyRoute, async (c) => {
    try {
      await database.db.execute(sql`select 1`);
    } catch (error) {
      c.var.ctx.log.warn({ err: error }, 'readiness: database unreachable');
      throw new DomainError('service_unavailable', 'the database does not answer');
    }
    const status = await migrationStatus(database);
    if (!status.current) {
      const pending = status.pending.map((p) => `${p.module} ${p.applied}/${p.expected}`).join(', ');
      throw new DomainError('service_unavailable', `database migrations are not current: ${pending}`);
    }
    return c.json({ status: 'ready' as const, engine: database.engine }, 200);
  });
  router.openapi(metricsRoute, async (c) =>
    c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  return router;
}
