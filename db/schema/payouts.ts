import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * One row per accepted `webhook-id`: the idempotency key, a SHA-256 of the raw body and
 * the answer given, so a retry gets the same answer and a changed body under the same id is refused.
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    bodySha256: text('body_sha256').notNull(),
    type: text('type').notNull(),
    status: integer('status').notNull(),
    /** The answer's JSON text exactly as first sent, so a replay is byte-identical. */
    response: text('response').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('webhook_events_id_shape', sql`length(${t.id}) between 1 and 256`),
    check('webhook_events_body_sha256_hex', sql`${t.bodySha256} ~ '^[0-9a-f]{64}$'`),
  ],
);

/**
 * Every block the fleet has told us about. `connected` is a last-writer-wins register keyed by
 * the event's own (timestamp, webhook-id), so the end state does not depend on delivery order;
 * `ever_disconnected` only ever turns on, so an orphaned coinbase stays orphaned for good.
 */
export const chainBlocks = pgTable(
  'chain_blocks',
  {
    hash: text('hash').primaryKey(),
    height: integer('height').notNull(),
    prevHash: text('prev_hash'),
    connected: boolean('connected').notNull(),
    everDisconnected: boolean('ever_disconnected').notNull().default(false),
    stateAt: timestamp('state_at', { withTimezone: true, mode: 'date' }).notNull(),
    stateEventId: text('state_event_id').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('chain_blocks_connected_height_idx').on(t.connected, t.height),
    check('chain_blocks_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
    check('chain_blocks_prev_hash_hex', sql`${t.prevHash} is null or ${t.prevHash} ~ '^[0-9a-f]{64}$'`),
    check('chain_blocks_height_range', sql`${t.height} >= 0`),
  ],
);

/**
 * The header tree (chain/): every header Reserve accepted, its proof of work checked and linked to
 * its parent (or the network's checkpoint). `chainwork` counts from the checkpoint; the best chain
 * ends at the header with the most of it, and `chain_blocks.connected` follows that chain.
 */
export const chainHeaders = pgTable(
  'chain_headers',
  {
    hash: text('hash').primaryKey(),
    height: integer('height').notNull(),
    prevHash: text('prev_hash').notNull(),
    headerHex: text('header_hex').notNull(),
    time: bigint('time', { mode: 'number' }).notNull(),
    bits: bigint('bits', { mode: 'number' }).notNull(),
    chainwork: numeric('chainwork', { precision: 80, scale: 0 }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('chain_headers_chainwork_idx').on(t.chainwork),
    index('chain_headers_prev_hash_idx').on(t.prevHash),
    check('chain_headers_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
    check('chain_headers_header_hex', sql`${t.headerHex} ~ '^[0-9a-f]{160}$'`),
    check('chain_headers_height_range', sql`${t.height} >= 0`),
    check('chain_headers_chainwork_positive', sql`${t.chainwork} > 0`),
  ],
);

export interface LedgerRef {
  kind: string;
  source_type: string;
  source_id: string;
}

export const UTXO_STATUSES = [
  'unconfirmed',
  'immature',
  'available',
  'orphaned',
  'locked',
  'spent',
  'withdrawn',
] as const;

/** The coins the fleet reported, keyed by outpoint, with the state the chain puts them in. */
export const utxos = pgTable(
  'utxos',
  {
    txid: text('txid').notNull(),
    vout: bigint('vout', { mode: 'bigint' }).notNull(),
    policyId: text('policy_id').notNull(),
    network: text('network').notNull(),
    address: text('address').notNull(),
    amountSat: bigint('amount_sat', { mode: 'bigint' }).notNull(),
    coinbase: boolean('coinbase').notNull(),
    siteId: text('site_id').notNull(),
    pool: text('pool'),
    blockHeight: integer('block_height'),
    blockHash: text('block_hash'),
    status: text('status').notNull(),
    /** The state (and so the asset account) the receipt was booked to; orphaning returns there first. */
    receiptStatus: text('receipt_status'),
    rawTxProven: boolean('raw_tx_proven').notNull().default(false),
    /** Proven by a merkle branch to a header in the header tree (chain/), not only claimed. */
    merkleProven: boolean('merkle_proven').notNull().default(false),
    /** The production period the payout pays for, when the fleet named one: [start, end). */
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }),
    periodEnd: timestamp('period_end', { withTimezone: true, mode: 'date' }),
    eventId: text('event_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.txid, t.vout] }),
    index('utxos_status_idx').on(t.status, t.txid, t.vout),
    index('utxos_policy_idx').on(t.policyId, t.txid, t.vout),
    index('utxos_site_idx').on(t.siteId, t.txid, t.vout),
    index('utxos_block_hash_idx').on(t.blockHash),
    // Only the coinbase coins whose maturity can still change are looked up by height (coins' lockCoinsNearTip):
    // a coin locked or spent leaves this index, so a spend's lock writes one index entry less per coin.
    index('utxos_block_height_idx')
      .on(t.blockHeight)
      .where(sql`${t.coinbase} and ${t.status} not in ('orphaned', 'locked', 'spent')`),
    check('utxos_txid_hex', sql`${t.txid} ~ '^[0-9a-f]{64}$'`),
    check('utxos_vout_range', sql`${t.vout} between 0 and 4294967295`),
    check('utxos_amount_range', sql`${t.amountSat} > 0 and ${t.amountSat} <= 2100000000000000`),
    check(
      'utxos_status_valid',
      sql`${t.status} in ('unconfirmed', 'immature', 'available', 'orphaned', 'locked', 'spent', 'withdrawn')`,
    ),
    check('utxos_block_pair', sql`(${t.blockHash} is null) = (${t.blockHeight} is null)`),
    check('utxos_block_hash_hex', sql`${t.blockHash} is null or ${t.blockHash} ~ '^[0-9a-f]{64}$'`),
    check('utxos_immature_is_coinbase', sql`${t.status} <> 'immature' or ${t.coinbase}`),
    check('utxos_period_pair', sql`(${t.periodStart} is null) = (${t.periodEnd} is null)`),
    check(
      'utxos_period_span',
      sql`${t.periodEnd} is null or (${t.periodEnd} > ${t.periodStart} and ${t.periodEnd} <= ${t.periodStart} + interval '31 days')`,
    ),
  ],
);

/**
 * The previous transactions of the coins, by txid: a payout's `raw_tx_hex` (checked to pay the coin),
 * kept so that a spend's PSBT carries it as `non_witness_utxo`. Append-only (migration 0013).
 */
export const utxoTransactions = pgTable(
  'utxo_transactions',
  {
    txid: text('txid').primaryKey(),
    rawTxHex: text('raw_tx_hex').notNull(),
    keptAt: timestamp('kept_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('utxo_transactions_txid_hex', sql`${t.txid} ~ '^[0-9a-f]{64}$'`),
    check('utxo_transactions_raw_hex', sql`${t.rawTxHex} ~ '^([0-9a-f]{2})+$'`),
  ],
);

/** Every state change of every coin, with the ledger entry that booked it. Append-only. */
export const utxoHistory = pgTable(
  'utxo_history',
  {
    seq: bigserial('seq', { mode: 'bigint' }).primaryKey(),
    txid: text('txid').notNull(),
    vout: bigint('vout', { mode: 'bigint' }).notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason').notNull(),
    eventId: text('event_id').notNull(),
    /** The ledger entries that booked this change, by their (kind, source) key, unique in the ledger. */
    ledgerRefs: jsonb('ledger_refs').$type<LedgerRef[]>().notNull().default(sql`'[]'::jsonb`),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('utxo_history_outpoint_idx').on(t.txid, t.vout, t.seq)],
);

/** Security and operational alerts (a payout to an address the reserve does not control, ...). */
export const alerts = pgTable(
  'alerts',
  {
    seq: bigserial('seq', { mode: 'bigint' }).primaryKey(),
    id: text('id').notNull().unique(),
    kind: text('kind').notNull(),
    severity: text('severity').notNull(),
    message: text('message').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    source: text('source'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('alerts_kind_idx').on(t.kind, t.seq),
    check('alerts_severity_valid', sql`${t.severity} in ('info', 'warning', 'critical')`),
  ],
);
