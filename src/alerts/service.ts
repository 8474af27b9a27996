import { and, count, desc, eq, isNotNull, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../../db/client.js';
import { FOREIGN_KEY_VIOLATION, sqlError } from '../../db/errors.js';
import { alertAcknowledgements } from '../../db/schema/alerts.js';
import { alerts } from '../../db/schema/payouts.js';
import { audit } from '../audit/index.js';
import { type Ctx, executor, type Verb, withTransaction } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { parseAlertInput } from './parse.js';
import { newId } from '../ids.js';
import { ALERT_KINDS, type AlertDetails, type AlertKind, type AlertSeverity } from './kinds.js';

// Security and operational alerts: raised inside the transaction of whatever noticed them,
// listed at GET /v1/alerts, acknowledged once by an officer with a note. Both tables are
// append-only (triggers refuse UPDATE, DELETE and TRUNCATE); one acknowledgement per alert is
// the primary key's. An alert is `open` until acknowledged.

export * from './kinds.js';

export interface AlertInput<K extends AlertKind = AlertKind> {
  kind: K;
  message: string;
  details: AlertDetails<K>;
  /** The kind's own severity unless given. */
  severity?: AlertSeverity;
  /** What raised it, e.g. `webhook:<webhook-id>`; raiseAlertOnce keeps one open alert per kind and source. */
  source?: string;
}

export type Alert = typeof alerts.$inferSelect;
export type Acknowledgement = typeof alertAcknowledgements.$inferSelect;
export type AlertState = 'open' | 'acknowledged';

export async function raiseAlert<K extends AlertKind>(tx: Executor, input: AlertInput<K>): Promise<Alert> {
  const spec = ALERT_KINDS[input.kind];
  const details = spec.details.parse(input.details) as Record<string, unknown>;
  const [row] = await tx
    .insert(alerts)
    .values({
      id: newId('alr'),
      kind: input.kind,
      severity: input.severity ?? spec.severity,
      message: input.message,
      details,
      source: input.source ?? null,
    })
    .returning();
  return row!;
}

/**
 * Raises the alert unless one of the same kind and source is still open (a check that runs on
 * a timer, or on every delivery, says a thing once until someone acknowledges it). Returns the
 * alert that says it, and whether it is new.
 */
export async function raiseAlertOnce<K extends AlertKind>(
  tx: Executor,
  input: AlertInput<K> & { source: string },
): Promise<{ alert: Alert; raised: boolean }> {
  const [open] = await tx
    .select({ alert: alerts })
    .from(alerts)
    .leftJoin(alertAcknowledgements, eq(alertAcknowledgements.alertId, alerts.id))
    .where(and(eq(alerts.kind, input.kind), eq(alerts.source, input.source), isNull(alertAcknowledgements.alertId)))
    .orderBy(desc(alerts.seq))
    .limit(1);
  if (open) return { alert: open.alert, raised: false };
  return { alert: await raiseAlert(tx, input), raised: true };
}

export interface AlertQuery {
  kind?: string;
  severity?: AlertSeverity;
  state?: AlertState;
  limit: number;
  /** Newest first; the cursor is the last row's sequence number. */
  beforeSeq?: bigint;
}

export interface AlertRow {
  alert: Alert;
  acknowledgement: Acknowledgement | null;
}

export async function listAlertRows(ctx: Ctx, query: AlertQuery): Promise<AlertRow[]> {
  const conditions = [
    query.kind ? eq(alerts.kind, query.kind) : undefined,
    query.severity ? eq(alerts.severity, query.severity) : undefined,
    query.state === 'open' ? isNull(alertAcknowledgements.alertId) : undefined,
    query.state === 'acknowledged' ? isNotNull(alertAcknowledgements.alertId) : undefined,
    query.beforeSeq !== undefined ? lt(alerts.seq, query.beforeSeq) : undefined,
  ].filter((c) => c !== undefined);
  return executor(ctx)
    .select({ alert: alerts, acknowledgement: alertAcknowledgements })
    .from(alerts)
    .leftJoin(alertAcknowledgements, eq(alertAcknowledgements.alertId, alerts.id))
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(alerts.seq))
    .limit(query.limit + 1);
}

/** The alerts themselves, without their acknowledgements (reconciliation, the console). */
export async function listAlerts(ctx: Ctx, query: AlertQuery): Promise<Alert[]> {
  return (await listAlertRows(ctx, query)).map((r) => r.alert);
}

export async function getAlert(ctx: Ctx, id: string): Promise<AlertRow> {
  const [row] = await executor(ctx)
    .select({ alert: alerts, acknowledgement: alertAcknowledgements })
    .from(alerts)
    .leftJoin(alertAcknowledgements, eq(alertAcknowledgements.alertId, alerts.id))
    .where(eq(alerts.id, id))
    .limit(1);
  if (!row) throw notFound(`alert ${id}`);
  return row;
}

/** Open alerts by severity (every severity named, zero included), for /metrics. */
export async function openAlertCounts(ctx: Ctx): Promise<Record<AlertSeverity, number>> {
  const rows = await executor(ctx)
    .select({ severity: alerts.severity, n: count() })
    .from(alerts)
    .leftJoin(alertAcknowledgements, eq(alertAcknowledgements.alertId, alerts.id))
    .where(isNull(alertAcknowledgements.alertId))
    .groupBy(alerts.severity);
  const counts: Record<AlertSeverity, number> = { info: 0, warning: 0, critical: 0 };
  for (const row of rows) counts[row.severity as AlertSeverity] = Number(row.n);
  return counts;
}

export const AcknowledgeInput = z.strictObject({
  alert_id: z.string().min(1).max(64),
  note: z
    .string()
    .trim()
    .min(1, 'must say what was done or found')
    .max(2000, 'must be at most 2000 characters')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL'),
});

/** An officer acknowledges an alert with a note; a second acknowledgement is a 409. */
export async function acknowledgeAlert({ ctx, input }: Verb<z.input<typeof AcknowledgeInput>>): Promise<AlertRow> {
  const { alert_id, note } = parseAlertInput(AcknowledgeInput, input);
  return withTransaction(ctx, async (tx) => {
    const { alert, acknowledgement } = await getAlert({ ...ctx, tx }, alert_id);
    if (acknowledgement) throw acknowledged(alert.id, acknowledgement);
    const [row] = await tx
      .insert(alertAcknowledgements)
      .values({ alertId: alert.id, note, keyId: ctx.actor.keyId, actorName: ctx.actor.name })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      // another officer acknowledged it between the read and the insert
      const again = await getAlert({ ...ctx, tx }, alert_id);
      throw acknowledged(alert.id, again.acknowledgement!);
    }
    await audit(tx, ctx, { action: 'alerts.acknowledge', target: alert.id, details: { kind: alert.kind, note } });
    return { alert, acknowledgement: row };
  }).catch((error: unknown) => {
    if (sqlError(error).code === FOREIGN_KEY_VIOLATION) throw notFound(`alert ${alert_id}`);
    throw error;
  });
}

function acknowledged(id: string, ack: Acknowledgement) {
  return conflict(`alert ${id} was acknowledged at ${ack.createdAt.toISOString()} by ${ack.actorName}`, {
    acknowledged_at: ack.createdAt.toISOString(),
  });
}

/** The API's view of an alert; a bare Alert (read without its acknowledgement) shows as open. */
export function toAlertView(row: Alert | AlertRow) {
  const { alert, acknowledgement } = 'alert' in row ? row : { alert: row, acknowledgement: null };
  return {
    id: alert.id,
    kind: alert.kind as AlertKind,
    severity: alert.severity as AlertSeverity,
    state: (acknowledgement ? 'acknowledged' : 'open') as AlertState,
    message: alert.message,
    details: alert.details,
    source: alert.source,
    created_at: alert.createdAt.toISOString(),
    acknowledgement: acknowledgement
      ? {
          note: acknowledgement.note,
          by: acknowledgement.actorName,
          key_id: acknowledgement.keyId,
          at: acknowledgement.createdAt.toISOString(),
        }
      : null,
  };
}
