import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses } from '../http/env.js';
import { AppError } from '../http/problem.js';
import { auditLogLines } from './audit-log.js';
import { streamedResponse, withTrailer } from './stream.js';

const rfc3339 = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 time' });
const auditorOrAdmin = requireRole('auditor');

const jsonLinesResponse = (description: string) => ({
  200: { description, content: { 'application/jsonl': { schema: z.string() } } },
});

const auditLogExportRoute = createRoute({
  method: 'get',
  path: '/v1/exports/audit-log',
  tags: ['exports'],
  summary: 'The audit log as JSON Lines, streamed, with a manifest as its last line',
  description:
    'One audit row per line, oldest first, over [from, to) (to defaults to the time of the request). The last line is `{"manifest": {...}}` with the range, the count and the SHA-256 (hex) of every byte before that line.',
  security: bearerSecurity,
  middleware: [auditorOrAdmin] as const,
  request: { query: z.object({ from: rfc3339.optional(), to: rfc3339.optional() }) },
  responses: { ...jsonLinesResponse('The audit log'), ...errorResponses(401, 403, 422) },
});

function timeRange(query: { from?: string; to?: string }, now: Date) {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : now;
  if (from && from >= to) {
    throw new AppError('validation_failed', 'query.from: must be before query.to', { errors: [{ field: 'query.from', reason: 'must be before query.to' }] });
  }
  return { from, to };
}

export function exportsRouter() {
  const router = createRouter();

  router.openapi(auditLogExportRoute, async (c) => {
    const now = new Date();
    const range = timeRange(c.req.valid('query'), now);
    const { lines, summary } = auditLogLines(c.var.ctx, range);
    const body = withTrailer(lines, (sha) =>
      `${JSON.stringify({
        manifest: {
          export: 'audit-log',
          from: range.from?.toISOString() ?? null,
          to: range.to.toISOString(),
          first_seq: summary.first_seq,
          last_seq: summary.last_seq,
          count: summary.count,
          body_sha256: sha,
          generated_at: now.toISOString(),
        },
      })}\n`);
    return streamedResponse(body, c.var.ctx.log, 'application/jsonl; charset=utf-8', 'reserve-audit-log.jsonl');
  });

  return router;
}
