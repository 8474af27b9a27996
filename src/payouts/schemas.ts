import { z } from '@hono/zod-openapi';
import { COIN_STATUSES, UTXO_STATUSES } from '../coins/index.js';

// The concrete answers of the fleet webhook and the UTXO reads (every field the service sends).

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const UtxoSchema = z
  .object({
    txid: hex64,
    vout: z.number().int(),
    outpoint: z.string(),
    policy_id: z.string(),
    network: z.string(),
    address: z.string(),
    amount_sat: z.string().openapi({ example: '312500000' }),
    amount_btc: z.string().openapi({ example: '3.125' }),
    coinbase: z.boolean(),
    site_id: z.string(),
    pool: z.string().nullable(),
    block_height: z.number().int().nullable(),
    block_hash: hex64.nullable(),
    status: z.enum(COIN_STATUSES),
    confirmations: z.number().int().optional().openapi({ description: 'Present when the tip is known' }),
    raw_tx_proven: z.boolean(),
    period_start: z.string().optional(),
    period_end: z.string().optional(),
    received_at: z.string(),
    updated_at: z.string(),
  })
  .strict()
  .openapi('Utxo');

const LedgerRefSchema = z.object({ kind: z.string(), source_type: z.string(), source_id: z.string() }).strict();

export const UtxoDetailSchema = UtxoSchema.extend({
  history: z.array(
    z
      .object({
        seq: z.string(),
        from_status: z.enum(COIN_STATUSES).nullable(),
        to_status: z.enum(COIN_STATUSES),
        reason: z.string(),
        event_id: z.string(),
        ledger_entries: z.array(LedgerRefSchema),
        at: z.string(),
      })
      .strict(),
  ),
})
  .strict()
  .openapi('UtxoDetail');

const PayoutAnswer = z.object({ utxo: UtxoSchema }).strict();

const BlockAnswer = z
  .object({
    block: z
      .object({ hash: hex64, height: z.number().int(), connected: z.boolean(), ever_disconnected: z.boolean() })
      .strict(),
    tip: z.object({ height: z.number().int(), hash: hex64 }).strict().nullable(),
    moved: z.array(z.object({ outpoint: z.string(), from: z.enum(UTXO_STATUSES), to: z.enum(UTXO_STATUSES) }).strict()),
    /** When the block's header made another branch the best chain: the blocks that left and joined it. */
    reorg: z
      .object({ disconnected: z.array(hex64), connected: z.array(hex64) })
      .strict()
      .optional(),
  })
  .strict();

const ProductionAnswer = z
  .object({
    outcome: z.enum(['created', 'unchanged', 'corrected']),
    report: z
      .object({
        id: z.string(),
        site: z.string(),
        period_start: z.string(),
        period_end: z.string(),
        hashrate_ths: z.string(),
        energy_kwh: z.string(),
        uptime: z.string(),
        curtailed_hours: z.string().nullable(),
        energy_cost: z.string(),
        energy_currency: z.string(),
        cost_breakdown: z.array(
          z
            .object({
              tariff_id: z.string(),
              from: z.string(),
              to: z.string(),
              energy_kwh: z.string(),
              price_per_kwh: z.string(),
              cost: z.string(),
            })
            .strict(),
        ),
        ledger_entry_id: z.string().nullable(),
        replaces: z.string().nullable(),
        superseded_by: z.string().nullable(),
      })
      .strict(),
  })
  .strict();

export const FleetAnswerSchema = z.union([PayoutAnswer, BlockAnswer, ProductionAnswer]).openapi('FleetAnswer', {
  description:
    'payout.received: the coin; block.*: the block, the tip and the coins moved; production.reported: the report',
});
