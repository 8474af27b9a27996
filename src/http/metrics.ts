import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

// /metrics: HTTP metrics, and the business (docs/operations.md, "Metrics"). Events are counted
// where they happen (webhook deliveries, ledger appends, exports, verifies); the state of the
// reserve (holdings, ledger head, chain tip, last payouts, open alerts) is read at scrape time by
// one reader the app composes from the modules' doors (src/app.ts), with a few cheap queries.

export interface BusinessReadings {
  /** Held coins by vault (policy) and state, satoshis. */
  holdings: { vault: string; state: string; sat: bigint }[];
  ledgerHeadSeq: bigint;
  /** The highest connected block the fleet reported, and when it was recorded; null before any. */
  chainTip: { height: number; at: Date | null } | null;
  /** The latest payout received per site. */
  lastPayouts: { site: string; at: Date }[];
  openAlerts: Record<string, number>;
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const live = new Set<Metrics>();
const byDatabase = new WeakMap<object, Metrics>();

/** One registry per app instance, so tests building several apps do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'reserve_' });
  const registers = [registry];
  const requests = new Counter({
    name: 'reserve_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'reserve_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const deliveries = new Counter({
    name: 'reserve_webhook_deliveries_total',
    help: 'Fleet webhook deliveries by event type and outcome (accepted, replayed, refused, unauthorized, unavailable, error)',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const ledgerAppend = new Histogram({
    name: 'reserve_ledger_append_duration_seconds',
    help: 'Time of one ledger append statement (single entry or batch)',
    labelNames: ['mode'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const exportDuration = new Histogram({
    name: 'reserve_export_duration_seconds',
    help: 'Time to stream an export to its end, by export and format',
    labelNames: ['export', 'format'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const verifyDuration = new Histogram({
    name: 'reserve_verify_duration_seconds',
    help: 'Time of an online ledger verification (GET /v1/ledger/verify, the proof of reserves)',
    labelNames: ['what'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const metrics = { registry, requests, duration, deliveries, ledgerAppend, exportDuration, verifyDuration };
  live.add(metrics);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Times recorded where they happen, into every live registry (one per app in a process). */
export function observeDuration(
  kind: 'ledger_append' | 'export' | 'verify',
  label: string,
  seconds: number,
  format = '',
): void {
  for (const m of live) {
    if (kind === 'ledger_append') m.ledgerAppend.observe({ mode: label }, seconds);
    else if (kind === 'export') m.exportDuration.observe({ export: label, format }, seconds);
    else m.verifyDuration.observe({ what: label }, seconds);
  }
}

/** A webhook delivery's outcome, counted in the registry of the app serving `db`. */
export function countDelivery(db: object, type: string, outcome: string): void {
  byDatabase.get(db)?.deliveries.inc({ type, outcome });
}

/** The outcome label of a delivery's HTTP status. */
export function deliveryOutcome(status: number, replayed: boolean): string {
  if (replayed) return 'replayed';
  if (status < 300) return 'accepted';
  if (status === 401) return 'unauthorized';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'error';
  return 'refused';
}

/**
 * The read-side gauges, filled at each scrape from one call of `read` (shared by the gauges of
 * that scrape). `db` keys the delivery counter to this app.
 */
export function registerBusinessMetrics(metrics: Metrics, db: object, read: () => Promise<BusinessReadings>): void {
  byDatabase.set(db, metrics);
  let pending: { at: number; value: Promise<BusinessReadings> } | null = null;
  const readings = () => {
    const now = Date.now();
    if (!pending || now - pending.at > 1000) pending = { at: now, value: read() };
    return pending.value;
  };
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, r: BusinessReadings) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        fill(this, await readings());
      },
    });
  gauge('reserve_holdings_satoshis', 'Coins held by vault and state, satoshis', ['vault', 'state'], (g, r) => {
    for (const h of r.holdings) g.set({ vault: h.vault, state: h.state }, Number(h.sat));
  });
  gauge('reserve_ledger_head_seq', 'Sequence number of the last ledger entry', [], (g, r) =>
    g.set(Number(r.ledgerHeadSeq)),
  );
  gauge('reserve_chain_tip_height', 'Height of the highest connected block the fleet reported', [], (g, r) => {
    if (r.chainTip) g.set(r.chainTip.height);
  });
  gauge('reserve_chain_tip_age_seconds', 'Seconds since the chain tip was recorded', [], (g, r) => {
    if (r.chainTip?.at) g.set((Date.now() - r.chainTip.at.getTime()) / 1000);
  });
  gauge('reserve_last_payout_age_seconds', 'Seconds since the latest payout received, per site', ['site'], (g, r) => {
    for (const p of r.lastPayouts) g.set({ site: p.site }, (Date.now() - p.at.getTime()) / 1000);
  });
  gauge('reserve_alerts_open', 'Alerts not yet acknowledged, by severity', ['severity'], (g, r) => {
    for (const [severity, n] of Object.entries(r.openAlerts)) g.set({ severity }, n);
  });
}
