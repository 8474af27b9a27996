// Response schemas of the reports' routes: what holdings, roll-forward and proof of reserves send,
// field by field (strict, so a field the service adds without declaring it fails the tests).
import { z } from '@hono/zod-openapi';

const sat = z
  .string()
  .regex(/^-?\d+$/)
  .openapi({ description: 'Satoshis, as a decimal string' });
const btc = z
  .string()
  .regex(/^-?\d+\.\d{8}$/)
  .openapi({ description: 'BTC with 8 decimals' });
const money = z.string().nullable().openapi({ description: 'In `currency`; null when a price or rate is missing' });
const status = z.enum(['unconfirmed', 'immature', 'available', 'locked']);

export const PriceMarkSchema = z
  .object({ currency: z.string(), price: z.string(), at: z.string(), source: z.string() })
  .strict()
  .openapi('PriceMark');

const values = {
  fair_value: money,
  value_at_receipt: money,
  production_cost: money,
  unrealized_gain: money,
};

const HoldingRow = z
  .object({
    policy_id: z.string(),
    status,
    amount_sat: sat,
    amount_btc: btc,
    policy_held_sat: sat.nullable(),
    ...values,
    account: z.string().optional().openapi({ description: 'Current holdings only' }),
    utxo_count: z.number().int().optional().openapi({ description: 'Current holdings only' }),
    utxo_set_sat: sat.optional().openapi({ description: 'Current holdings only' }),
    consistent: z.boolean().optional().openapi({ description: 'Current holdings only: ledger equals UTXO set' }),
    proven_sat: sat.openapi({
      description:
        "The row's coins (UTXO set) whose transaction a merkle branch folded to their block's header, in a block (docs/chain.md)",
    }),
    unproven_sat: sat.openapi({
      description:
        "The row's other coins: no proof, or unconfirmed. proven_sat + unproven_sat is the UTXO set's sum (amount_sat when consistent)",
    }),
  })
  .strict()
  .openapi('HoldingRow');

export const HoldingsSchema = z
  .object({
    as_of: z.string(),
    currency: z.string(),
    price_mark: PriceMarkSchema.nullable(),
    method: z.string(),
    holdings: z.array(HoldingRow),
    total_sat: sat,
    total_btc: btc,
    totals: z
      .object({
        amount_sat: sat,
        amount_btc: btc,
        ...values,
        proven_sat: sat,
        proven_btc: btc,
        unproven_sat: sat,
        unproven_btc: btc,
      })
      .strict()
      .openapi({ description: 'proven + unproven: the UTXO set behind amount (equal when the check holds)' }),
    check: z
      .object({
        ledger_equals_utxo_set: z.boolean().nullable().openapi({ description: 'null with as_of (not compared)' }),
        mismatches: z.array(z.string()),
        detail: z.string().optional(),
      })
      .strict(),
  })
  .strict()
  .openapi('Holdings');

const CheckpointRef = z
  .object({
    tree_size: z.string(),
    root: z.string().openapi({ description: 'RFC 6962 root, lowercase hex' }),
    created_at: z.string(),
    note: z.string().openapi({ description: 'The signed checkpoint note with its cosignatures (C2SP signed-note)' }),
  })
  .strict()
  .nullable()
  .openapi('ReportCheckpoint', { description: "The transparency log's latest checkpoint when the report was made" });

const line = { amount_sat: sat, amount_btc: btc, value: money };
const Line = z.object(line).strict();

export const RollForwardSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    known_at: z.string().nullable(),
    currency: z.string(),
    opening_mark: PriceMarkSchema.nullable(),
    closing_mark: PriceMarkSchema.nullable(),
    opening: Line,
    additions: z.object({ ...line, by_site: z.array(z.object({ site: z.string(), ...line }).strict()) }).strict(),
    reversals: Line,
    dispositions: Line,
    other_additions: Line,
    remeasurement_gain_loss: z.object({ value: money }).strict(),
    closing: Line,
    formula: z.string().openapi({ description: 'How the lines add up; reversals and dispositions are positive' }),
    check: z.object({ balanced: z.boolean() }).strict(),
    checkpoint: CheckpointRef,
  })
  .strict()
  .openapi('RollForward');

const Descriptors = z
  .object({ policy_id: z.string(), receive: z.string(), change: z.string(), multipath: z.string() })
  .strict()
  .openapi('PolicyDescriptors');

export const ProofOfReservesSchema = z
  .object({
    as_of: z.string(),
    generated_at: z.string(),
    height: z.number().int().nullable().openapi({ description: 'The block height the proof states' }),
    known_at: z.string().nullable().openapi({ description: 'Only what the reserve had recorded by then' }),
    chain_tip: z.object({ height: z.number().int().nullable(), hash: z.string().nullable() }).strict(),
    ledger_head: z.union([
      z.object({ ok: z.literal(true), entries: z.string(), head_hash: z.string() }).strict(),
      z.object({ ok: z.literal(false), reason: z.string() }).strict(),
    ]),
    checkpoint: CheckpointRef,
    descriptors: z.array(Descriptors),
    addresses: z.array(
      z
        .object({
          address: z.string(),
          policy_id: z.string(),
          amount_sat: sat,
          amount_btc: btc,
          utxos: z.array(
            z
              .object({
                txid: z.string(),
                vout: z.number().int(),
                amount_sat: sat,
                amount_btc: btc,
                status,
                block_height: z.number().int().nullable(),
                coinbase: z.boolean(),
                merkle_proven: z
                  .boolean()
                  .openapi({ description: "Its transaction folded by a merkle branch to its block's header" }),
              })
              .strict(),
          ),
        })
        .strict(),
    ),
    total: z
      .object({
        utxos: z.number().int(),
        amount_sat: sat,
        amount_btc: btc,
        immature_sat: sat,
        immature_btc: btc,
        available_sat: sat.openapi({ description: 'Mature: available, and locked in a spend' }),
        available_btc: btc,
        proven_sat: sat.openapi({ description: 'Of the total: coins proven by a merkle branch against their header' }),
        proven_btc: btc,
        unproven_sat: sat.openapi({ description: 'Of the total: coins whose block is a claim of the sender' }),
        unproven_btc: btc,
      })
      .strict()
      .openapi({ description: 'Confirmed, not orphaned: what a node finds at `height`' }),
    unconfirmed: z
      .object({
        utxos: z.number().int(),
        amount_sat: sat,
        amount_btc: btc,
        items: z.array(
          z
            .object({
              policy_id: z.string(),
              address: z.string(),
              txid: z.string(),
              vout: z.number().int(),
              amount_sat: sat,
              amount_btc: btc,
            })
            .strict(),
        ),
      })
      .strict()
      .openapi({ description: 'Outside the total' }),
  })
  .strict()
  .openapi('ProofOfReserves');
