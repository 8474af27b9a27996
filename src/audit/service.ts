import { and, asc, gt, gte, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditLog } from '../../db/schema/platform.js';
import type { Ctx } from '../context.js';

export type AuditOutcome = 'ok' | 'denied' | 'rejected' | 'error';

export interface AuditRecord {
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  method?: string;
  route?: string;
  outcome?: AuditOutcome;
  status?: number;
}

/**
 * Writes one audit row. Called by a verb inside its own transaction (fail-closed: no
 * audit row, no change); marks the request so the HTTP layer does not write a second one.
 */
export async function audit(tx: Executor, ctx: Ctx, record: AuditRecord): Promise<void> {
  await auditMany(tx, [{ ctx, record }]);
}

const auditRow = (ctx: Ctx, record: AuditRecord) => ({
  actorKeyId: ctx.actor.keyId,
  actorRole: ctx.actor.role,
  action: record.action,
  method: record.method ?? ctx.request?.method ?? null,
  route: record.route ?? ctx.request?.route ?? null,
  target: record.target ?? null,
  requestId: ctx.requestId,
  outcome: record.outcome ?? 'ok',
  status: record.status ?? null,
  details: record.details ?? null,
});

/**
 * Writes several audit rows in one statement, in the given order (a group commit's requests,
 * each under its own ctx); marks each request audited as audit() does.
 */
export async function auditMany(tx: Executor, rows: { ctx: Ctx; record: AuditRecord }[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.insert(auditLog).values(rows.map(({ ctx, record }) => auditRow(ctx, record)));
  for (const { ctx } of rows) if (ctx.audited) ctx.audited.done = true;
}

export interface AuditQuery {
  afterSeq?: bigint;
  from?: Date;
  to?: Date;
  limit: number;
}

export async function listAudit(db: Executor, query: AuditQuery) {
  const conditions = [
    query.afterSeq !== undefined ? gt(auditLog.seq, query.afterSeq) : undefined,
    query.from ? gte(auditLog.at, query.from) : undefined,
    query.to ? lt(auditLog.at, query.to) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select()
    .from(auditLog)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(auditLog.seq))
    .limit(query.limit);
}

export type AuditRow = Awaited<ReturnType<typeof listAudit>>[number];

export function toAuditView(row: AuditRow) {
  return {
    seq: row.seq.toString(),
    at: row.at.toISOString(),
    actor_key_id: row.actorKeyId,
    actor_role: row.actorRole,
    action: row.action,
    method: row.method,
    route: row.route,
    target: row.target,
    request_id: row.requestId,
    outcome: row.outcome,
    status: row.status,
    details: row.details ?? null,
  };
}
