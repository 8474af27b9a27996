import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

// The ledger's tables. The invariants that protect money live in the custom migration
// db/migrations/ledger/*_ledger_guards.sql: the chain-head trigger that assigns seq, prev_hash
// and hash; the balance check; append-only guards; balance maintenance. See docs/ledger.md.

const ACCOUNT_NAME = `'^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Za-z0-9][A-Za-z0-9._-]{0,63}){0,7}$'`;
const COMMODITY = `'^(BTC|[A-Z]{3})$'`;

/** Chart of accounts, created on first use by the ledger's service; rows never change. */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    name: text('name').primaryKey(),
    type: text('type').notNull(),
    /** Commodities the account may hold; null means any. */
    commodities: text('commodities').array(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('ledger_accounts_name_shape', sql`${t.name} ~ ${sql.raw(ACCOUNT_NAME)} and length(${t.name}) <= 300`),
    check(
      'ledger_accounts_type_matches_name',
      sql`${t.type} = case split_part(${t.name}, ':', 1) when 'Assets' then 'asset' when 'Liabilities' then 'liability'
        when 'Equity' then 'equity' when 'Income' then 'income' when 'Expenses' then 'expense' end`,
    ),
  ],
);

/** One row: the chain head. Appends lock it, so they serialise and seq has no gap. */
export const ledgerChainHead = pgTable(
  'ledger_chain_head',
  {
    id: smallint('id').primaryKey(),
    lastSeq: bigint('last_seq', { mode: 'bigint' }).notNull(),
    lastHash: text('last_hash').notNull(),
  },
  (t) => [check('ledger_chain_head_single_row', sql`${t.id} = 1`)],
);

/** Journal entries; seq, prev_hash, recorded_at and hash are set by the append trigger. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    seq: bigint('seq', { mode: 'bigint' }).primaryKey().default(sql`0`),
    id: text('id').notNull().unique(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`'epoch'`),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    sourceType: text('source_type').notNull(),
    sourceId: text('source_id').notNull(),
    actor: text('actor').notNull(),
    reversesSeq: bigint('reverses_seq', { mode: 'bigint' }),
    prevHash: text('prev_hash').notNull().default(''),
    hash: text('hash').notNull().default(''),
  },
  (t) => [
    uniqueIndex('ledger_entries_source_once').on(t.kind, t.sourceType, t.sourceId),
    uniqueIndex('ledger_entries_reversed_once').on(t.reversesSeq).where(sql`${t.reversesSeq} is not null`),
    index('ledger_entries_occurred_at_idx').on(t.occurredAt, t.seq),
    index('ledger_entries_recorded_at_idx').on(t.recordedAt),
    check('ledger_entries_seq_positive', sql`${t.seq} > 0`),
    check('ledger_entries_id_shape', sql`${t.id} ~ '^ent_[0-9a-f]{20}$'`),
    check('ledger_entries_kind_shape', sql`${t.kind} ~ '^[a-z][a-z0-9_.-]{0,63}$'`),
    check('ledger_entries_source_type_shape', sql`${t.sourceType} ~ '^[a-z][a-z0-9_.-]{0,63}$'`),
    check('ledger_entries_source_id_shape', sql`length(${t.sourceId}) between 1 and 200`),
    check('ledger_entries_description_shape', sql`length(${t.description}) between 1 and 1000`),
    check('ledger_entries_actor_shape', sql`length(${t.actor}) between 1 and 200`),
    check(
      'ledger_entries_times_in_milliseconds',
      sql`${t.occurredAt} = date_trunc('milliseconds', ${t.occurredAt}) and ${t.recordedAt} = date_trunc('milliseconds', ${t.recordedAt})`,
    ),
    check(
      'ledger_entries_occurred_at_range',
      sql`${t.occurredAt} >= '1970-01-01T00:00:00Z' and ${t.occurredAt} < '10000-01-01T00:00:00Z'`,
    ),
    check('ledger_entries_hashes_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$' and ${t.prevHash} ~ '^[0-9a-f]{64}$'`),
    check('ledger_entries_reverses_earlier', sql`${t.reversesSeq} is null or ${t.reversesSeq} < ${t.seq}`),
  ],
);

/**
 * Postings, inserted before their entry (entry_id is a deferred foreign key, added in the
 * guards migration). BTC in amount_sat (bigint satoshis), fiat in amount (numeric).
 */
export const ledgerPostings = pgTable(
  'ledger_postings',
  {
    entryId: text('entry_id').notNull(),
    idx: integer('idx').notNull(),
    account: text('account')
      .notNull()
      .references(() => ledgerAccounts.name),
    commodity: text('commodity').notNull(),
    amountSat: bigint('amount_sat', { mode: 'bigint' }),
    amount: numeric('amount'),
    priceAmount: numeric('price_amount'),
    priceCommodity: text('price_commodity'),
    costAmount: numeric('cost_amount'),
    costCommodity: text('cost_commodity'),
  },
  (t) => [
    primaryKey({ columns: [t.entryId, t.idx] }),
    index('ledger_postings_account_idx').on(t.account, t.commodity),
    check('ledger_postings_idx_range', sql`${t.idx} between 0 and 999`),
    check('ledger_postings_commodity_shape', sql`${t.commodity} ~ ${sql.raw(COMMODITY)}`),
    check(
      'ledger_postings_amount_by_commodity',
      sql`(${t.commodity} = 'BTC' and ${t.amountSat} is not null and ${t.amount} is null)
        or (${t.commodity} <> 'BTC' and ${t.amountSat} is null and ${t.amount} is not null)`,
    ),
    check('ledger_postings_btc_range', sql`${t.amountSat} is null or abs(${t.amountSat}) <= 2100000000000000`),
    check(
      'ledger_postings_fiat_range',
      sql`${t.amount} is null or (scale(${t.amount}) <= 18 and abs(${t.amount}) < 1e20)`,
    ),
    check(
      'ledger_postings_price_shape',
      sql`(${t.priceAmount} is null and ${t.priceCommodity} is null)
        or (${t.priceAmount} > 0 and scale(${t.priceAmount}) <= 18 and ${t.priceAmount} < 1e20 and ${t.priceCommodity} ~ ${sql.raw(COMMODITY)})`,
    ),
    check(
      'ledger_postings_cost_shape',
      sql`(${t.costAmount} is null and ${t.costCommodity} is null)
        or (${t.costAmount} is not null and scale(${t.costAmount}) <= 18 and abs(${t.costAmount}) < 1e20 and ${t.costCommodity} ~ ${sql.raw(COMMODITY)})`,
    ),
  ],
);

/** Balance per account and commodity, maintained by a trigger in the posting transaction. */
export const ledgerBalances = pgTable(
  'ledger_balances',
  {
    account: text('account')
      .notNull()
      .references(() => ledgerAccounts.name),
    commodity: text('commodity').notNull(),
    /** Satoshis for BTC (always whole), the currency's units for fiat. */
    balance: numeric('balance').notNull(),
    lastSeq: bigint('last_seq', { mode: 'bigint' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.account, t.commodity] })],
);

/**
 * Corrections with four eyes (src/ledger/adjustments): an officer proposes the reversal of an
 * entry or a balanced entry; a different approver posts it. The guards migration makes a decided
 * row immutable and holds proposer <> approver; entry_seq is unique, so one posting per adjustment.
 */
export const ledgerAdjustments = pgTable(
  'ledger_adjustments',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    state: text('state').notNull(),
    reason: text('reason').notNull(),
    reversesSeq: bigint('reverses_seq', { mode: 'bigint' }).references(() => ledgerEntries.seq),
    /** The proposed postings, as sent (amounts as strings); null for a reversal. */
    postings: jsonb('postings'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }),
    proposedBy: text('proposed_by').notNull(),
    proposedByName: text('proposed_by_name').notNull(),
    proposedAt: timestamp('proposed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    decidedBy: text('decided_by'),
    decidedByName: text('decided_by_name'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    entrySeq: bigint('entry_seq', { mode: 'bigint' }).references(() => ledgerEntries.seq),
  },
  (t) => [
    uniqueIndex('ledger_adjustments_entry_once').on(t.entrySeq).where(sql`${t.entrySeq} is not null`),
    index('ledger_adjustments_state_idx').on(t.state, t.id),
    check('ledger_adjustments_id_shape', sql`${t.id} ~ '^adj_[0-9a-f]{20}$'`),
    check('ledger_adjustments_kind_shape', sql`${t.kind} in ('correction', 'energy.payment')`),
    check('ledger_adjustments_state_shape', sql`${t.state} in ('proposed', 'posted', 'rejected')`),
    check('ledger_adjustments_reason_shape', sql`length(btrim(${t.reason})) between 1 and 500`),
    check('ledger_adjustments_one_body', sql`(${t.reversesSeq} is null) <> (${t.postings} is null)`),
    check('ledger_adjustments_four_eyes', sql`${t.decidedBy} is null or ${t.decidedBy} <> ${t.proposedBy}`),
    check(
      'ledger_adjustments_state_fields',
      sql`(${t.state} = 'proposed' and ${t.decidedBy} is null and ${t.decidedAt} is null and ${t.entrySeq} is null)
        or (${t.state} = 'posted' and ${t.decidedBy} is not null and ${t.decidedAt} is not null and ${t.entrySeq} is not null)
        or (${t.state} = 'rejected' and ${t.decidedBy} is not null and ${t.decidedAt} is not null and ${t.entrySeq} is null)`,
    ),
  ],
);
