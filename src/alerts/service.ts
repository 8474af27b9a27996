import { and, desc, eq, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { alerts } from '../../db/schema/payouts.js';
import { type Ctx, executor } from '../context.js';
import { newId } from '../ids.js';

// Security and operational alerts: raised inside the transaction of whatever noticed them,
// listed at GET /v1/alerts. Rows are append-only (a trigger refuses UPDATE and DELETE).

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertInput {
  kind: string;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
  /** What raised it, e.g. `webhook:<webhook-id>`. */
  source?: string;
}

export type Alert = typeof alerts.$inferSelect;

export async function raiseAlert(tx: Executor, input: AlertInput): Promise<Alert> {
  const [row] = await tx
    .insert(alerts)
    .values({
      id: newId('alr'),
      kind: input.kind,
      severity: input.severity,
      message: input.message,
      details: input.details,
      source: input.source ?? null,
    })
    .returning();
  return row!;
}

export interface AlertQuery {
  kind?: string;
  severity?: AlertSeverity;
  limit: number;
  /** Newest first; the cursor is the last row's sequence number. */
  beforeSeq?: bigint;
}

export async function listAlerts(ctx: Ctx, query: AlertQuery): Promise<Alert[]> {
  const conditions = [
    query.kind ? eq(alerts.kind, query.kind) : undefined,
    query.severity ? eq(alerts.severity, query.severity) : undefined,
    query.beforeSeq !== undefined ? lt(alerts.seq, query.beforeSeq) : undefined,
  ].filter((c) => c !== undefined);
  return executor(ctx)
    .select()
    .from(alerts)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(alerts.seq))
    .limit(query.limit + 1);
}

export function toAlertView(alert: Alert) {
  return {
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity as AlertSeverity,
    message: alert.message,
    details: alert.details,
    source: alert.source,
    created_at: alert.createdAt.toISOString(),
  };
}
