import { z } from '@hono/zod-openapi';

// Every kind of alert, its severity and the concrete shape of its details (docs/operations.md,
// "Alerts"). raiseAlert parses the details against the kind's schema before storing them, so a
// stored alert always has the shape /openapi.json declares for its kind.

const sat = z
  .string()
  .regex(/^-?\d{1,19}$/)
  .openapi({ description: 'satoshis, a decimal integer string' });
const outpoint = z
  .string()
  .regex(/^[0-9a-f]{64}:\d{1,10}$/)
  .openapi({ example: `${'ab'.repeat(32)}:0` });
const txid = z.string().regex(/^[0-9a-f]{64}$/);
const instant = z.string().openapi({ description: 'RFC 3339 time' });

export const ALERT_KINDS = {
  'payout.foreign_address': {
    severity: 'critical',
    details: z.strictObject({
      address: z.string(),
      site_id: z.string(),
      pool: z.string().nullable(),
      outpoint,
      amount_sat: sat,
    }),
  },
  /** A vault coin spent by a transaction that is no spend of Reserve's (src/spends/settle.ts). */
  'spend.unauthorised': {
    severity: 'critical',
    details: z.strictObject({
      txid,
      block_hash: z.string(),
      outpoints: z.array(outpoint),
      amount_sat: sat.openapi({ description: 'the vault coins still held when it was seen, in satoshis' }),
      invalidated: z.array(z.string()).openapi({ description: 'spends that held one of its coins' }),
    }),
  },
  /** A coinbase coin whose block a reorg disconnected: its reward no longer exists (src/coins). */
  'block.orphaned': {
    severity: 'critical',
    details: z.strictObject({
      outpoint,
      block_hash: z.string().nullable(),
      block_height: z.number().int().nullable(),
      policy_id: z.string(),
      site_id: z.string(),
      amount_sat: sat,
    }),
  },
  /** A site with no payout for PAYOUT_SILENCE_DAYS (src/alerts/silence.ts, run by a periodic job). */
  'site.payouts_missing': {
    severity: 'warning',
    details: z.strictObject({
      site_id: z.string(),
      days: z.number().int().openapi({ description: 'the configured threshold, in days' }),
      last_payout_at: instant.nullable().openapi({ description: 'null when the site never had one' }),
      checked_at: instant,
    }),
  },
  /** A reconciliation period whose income fell short of the expected by more than the tolerance. */
  'reconciliation.underpayment': {
    severity: 'warning',
    details: z.strictObject({
      site_id: z.string(),
      pool: z.string(),
      period_start: instant,
      period_end: instant,
      expected_sat: sat,
      actual_sat: sat,
      shortfall_percent: z.string().openapi({ example: '12.00' }),
      tolerance_percent: z.string().openapi({ example: '2' }),
    }),
  },
  /** WEBHOOK_SIGNATURE_ALERT_COUNT refused signatures within WEBHOOK_SIGNATURE_ALERT_WINDOW_S. */
  'webhook.signature_failures': {
    severity: 'warning',
    details: z.strictObject({
      failures: z.number().int(),
      window_seconds: z.number().int(),
      first_at: instant,
      last_at: instant,
      last_reason: z.string(),
    }),
  },
  /** GET /v1/ledger/verify (or the proof of reserves) found the chain or a balance broken. */
  'ledger.verify_failed': {
    severity: 'critical',
    details: z.strictObject({
      seq: z.string().nullable().openapi({ description: 'the first broken entry, null for a balance fault' }),
      reason: z.string(),
    }),
  },
  /** A witness refused to cosign the log's checkpoint (POST /v1/transparency/refusals). */
  'transparency.checkpoint_refused': {
    severity: 'critical',
    details: z.strictObject({
      checkpoint_size: z.string().regex(/^\d{1,19}$/),
      witness: z.string().openapi({ description: 'the witness key name, as its note signature names it' }),
      reason: z.string(),
    }),
  },
} as const;

export type AlertKind = keyof typeof ALERT_KINDS;
export const ALERT_KIND_NAMES = Object.keys(ALERT_KINDS) as [AlertKind, ...AlertKind[]];
export type AlertDetails<K extends AlertKind> = z.infer<(typeof ALERT_KINDS)[K]['details']>;
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
