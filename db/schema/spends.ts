import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

// Spends: proposals to move a vault's coins, their approvals and the PSBTs signers returned.
// The state machine is a trigger (migration 0001_guards); no coin is in two live spends by the
// unique partial index on spend_inputs (live is cleared by the same trigger when a spend ends).

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const SPEND_STATES = [
  'proposed',
  'approved',
  'signed',
  'broadcast',
  'confirmed',
  'rejected',
  'cancelled',
  'expired',
  'invalidated',
] as const;
export type SpendState = (typeof SPEND_STATES)[number];
/** The states in which a spend holds its coins. */
export const LIVE_STATES = ['proposed', 'approved', 'signed', 'broadcast', 'confirmed'] as const;

export const spends = pgTable(
  'spends',
  {
    id: text('id').primaryKey(),
    policyId: text('policy_id').notNull(),
    policyVersion: integer('policy_version').notNull(),
    state: text('state').$type<SpendState>().notNull(),
    purpose: text('purpose').notNull(),
    /** Where external outputs are booked at settlement (default Expenses:Bitcoin:Disbursements). */
    account: text('account').notNull(),
    proposedBy: text('proposed_by').notNull(),
    proposedByName: text('proposed_by_name').notNull(),
    approvalsRequired: integer('approvals_required').notNull(),
    /** Signatures each input needs: the vault's m. */
    threshold: integer('threshold').notNull(),
    delayHours: integer('delay_hours').notNull(),
    feeRateMsatVb: bigint('fee_rate_msat_vb', { mode: 'bigint' }).notNull(),
    feeSat: bigint('fee_sat', { mode: 'bigint' }).notNull(),
    vsize: integer('vsize').notNull(),
    /** What leaves the vault: every output but the change. */
    amountSat: bigint('amount_sat', { mode: 'bigint' }).notNull(),
    changeSat: bigint('change_sat', { mode: 'bigint' }).notNull(),
    locktime: integer('locktime').notNull(),
    includesCoinbase: boolean('includes_coinbase').notNull(),
    digest: text('digest').notNull(),
    unsignedTxHex: text('unsigned_tx_hex').notNull(),
    unsignedTxid: text('unsigned_txid').notNull(),
    /** The txid the signed transaction has (differs from unsigned_txid for P2SH-P2WSH). */
    txid: text('txid').notNull(),
    /** The PSBT as built, without signatures (base64). */
    psbtBase64: text('psbt_base64').notNull(),
    finalTxHex: text('final_tx_hex'),
    finalVsize: integer('final_vsize'),
    blockHash: text('block_hash'),
    blockHeight: integer('block_height'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    expiresAt: tstz('expires_at').notNull(),
    approvedAt: tstz('approved_at'),
    signedAt: tstz('signed_at'),
    broadcastAt: tstz('broadcast_at'),
    confirmedAt: tstz('confirmed_at'),
    endedAt: tstz('ended_at'),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('spends_policy_created_idx').on(t.policyId, t.createdAt),
    index('spends_state_idx').on(t.state, t.createdAt, t.id),
    index('spends_txid_idx').on(t.txid),
    check('spends_id_format', sql`${t.id} ~ '^spd_[0-9a-f]{20}$'`),
    check(
      'spends_state_valid',
      sql`${t.state} in ('proposed', 'approved', 'signed', 'broadcast', 'confirmed', 'rejected', 'cancelled', 'expired', 'invalidated')`,
    ),
    check('spends_amounts', sql`${t.amountSat} > 0 and ${t.feeSat} > 0 and ${t.changeSat} >= 0`),
    check('spends_approvals', sql`${t.approvalsRequired} >= 1 and ${t.delayHours} >= 0`),
    check(
      'spends_signed_has_tx',
      sql`${t.state} not in ('signed', 'broadcast', 'confirmed') or ${t.finalTxHex} is not null`,
    ),
    check('spends_confirmed_has_block', sql`${t.state} <> 'confirmed' or ${t.blockHash} is not null`),
  ],
);

/** The coins a spend spends, in input order. `live` is true while the spend holds them. */
export const spendInputs = pgTable(
  'spend_inputs',
  {
    // No foreign key: its check ran once per row (200 row locks of one spend for a 200-input proposal). The
    // statement-level trigger of spends/0005 refuses inputs of a spend that does not exist or is not proposed,
    // and spends are never deleted or truncated (0001, 0009).
    spendId: text('spend_id').notNull(),
    n: integer('n').notNull(),
    txid: text('txid').notNull(),
    vout: bigint('vout', { mode: 'bigint' }).notNull(),
    amountSat: bigint('amount_sat', { mode: 'bigint' }).notNull(),
    address: text('address').notNull(),
    chain: integer('chain').notNull(),
    index: integer('index').notNull(),
    coinbase: boolean('coinbase').notNull(),
    live: boolean('live').notNull().default(true),
  },
  (t) => [
    primaryKey({ columns: [t.spendId, t.n] }),
    // Also the index of every outpoint look-up (only live holders are looked up by outpoint).
    uniqueIndex('spend_inputs_one_live_spend').on(t.txid, t.vout).where(sql`${t.live}`),
  ],
);

export const spendOutputs = pgTable(
  'spend_outputs',
  {
    spendId: text('spend_id')
      .notNull()
      .references(() => spends.id),
    vout: integer('vout').notNull(),
    address: text('address').notNull(),
    scriptHex: text('script_hex').notNull(),
    amountSat: bigint('amount_sat', { mode: 'bigint' }).notNull(),
    label: text('label'),
    /** `external`, `vault` (another policy's receive address) or `change`. */
    kind: text('kind').notNull(),
    destPolicyId: text('dest_policy_id'),
    /** The address was issued for this spend (its change, or a `policy_id` output's receive address). */
    issued: boolean('issued').notNull().default(false),
    /**
     * The spend still binds the address: false once it ended without ever being broadcast (migration 0008), so
     * that the next spend needing an address of that chain reuses it (docs/spends.md, "Addresses of ended spends").
     */
    live: boolean('live').notNull().default(true),
  },
  (t) => [
    primaryKey({ columns: [t.spendId, t.vout] }),
    uniqueIndex('spend_outputs_one_live_issue').on(t.address).where(sql`${t.issued} and ${t.live}`),
    index('spend_outputs_reusable_idx').on(t.destPolicyId, t.kind).where(sql`${t.issued} and not ${t.live}`),
    check('spend_outputs_kind', sql`${t.kind} in ('external', 'vault', 'change')`),
    check('spend_outputs_vault_policy', sql`(${t.kind} = 'external') = (${t.destPolicyId} is null)`),
  ],
);

export const spendApprovals = pgTable(
  'spend_approvals',
  {
    spendId: text('spend_id')
      .notNull()
      .references(() => spends.id),
    keyId: text('key_id').notNull(),
    name: text('name').notNull(),
    decision: text('decision').notNull(),
    digest: text('digest').notNull(),
    comment: text('comment'),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.spendId, t.keyId] }),
    check('spend_approvals_decision', sql`${t.decision} in ('approve', 'reject')`),
  ],
);

/** Every PSBT a signer uploaded and Reserve accepted, kept whole; progress is the union of them all. */
export const spendUploads = pgTable(
  'spend_uploads',
  {
    spendId: text('spend_id')
      .notNull()
      .references(() => spends.id),
    sha256: text('sha256').notNull(),
    psbtBase64: text('psbt_base64').notNull(),
    uploadedBy: text('uploaded_by').notNull(),
    /** The signatures it carried: [{ input, pubkey, fingerprint }]. */
    signatures: jsonb('signatures').$type<{ input: number; pubkey: string; fingerprint: string }[]>().notNull(),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.spendId, t.sha256] })],
);

/**
 * Every settlement from the chain (tx.confirmed): a spend of Reserve's, or a transaction that spent vault
 * coins outside it (spend_id null). A reorg of its block undoes it (undone_at): the coins' move and its
 * ledger entry are reversed, and a confirmation in another block is a new row. Guarded by 0004.
 */
export const spendSettlements = pgTable(
  'spend_settlements',
  {
    seq: bigserial('seq', { mode: 'bigint' }).primaryKey(),
    txid: text('txid').notNull(),
    blockHash: text('block_hash').notNull(),
    blockHeight: integer('block_height').notNull(),
    spendId: text('spend_id').references(() => spends.id),
    /** The coins door's spend key (markSpent's spendId and eventId): the spend's id, or unauthorised-<txid>. */
    holder: text('holder').notNull(),
    eventId: text('event_id').notNull(),
    /** Outpoints (txid:vout) the transaction spent, and its outputs that became vault coins. */
    inputs: jsonb('inputs').$type<string[]>().notNull(),
    vaultOutputs: jsonb('vault_outputs').$type<string[]>().notNull(),
    settledAt: tstz('settled_at').notNull().defaultNow(),
    undoneAt: tstz('undone_at'),
    undoneBy: text('undone_by'),
  },
  (t) => [
    index('spend_settlements_block_idx').on(t.blockHash),
    check('spend_settlements_block_hash_hex', sql`${t.blockHash} ~ '^[0-9a-f]{64}$'`),
    check('spend_settlements_undone_pair', sql`(${t.undoneAt} is null) = (${t.undoneBy} is null)`),
  ],
);
