import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

/**
 * One row per custody policy (vault), as last synced from its file. `keyset_hash` covers what
 * defines its addresses (network, script, threshold, keys); a trigger refuses to change it once
 * the policy has an address. `content_hash` covers everything; a change is a new `version`.
 */
export const policies = pgTable(
  'policies',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    network: text('network').notNull(),
    script: text('script').notNull(),
    threshold: integer('threshold').notNull(),
    signerCount: integer('signer_count').notNull(),
    tier: text('tier').notNull(),
    gapLimit: integer('gap_limit').notNull(),
    keysetHash: text('keyset_hash').notNull(),
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull(),
    /** The canonical policy document (snake_case, amounts as strings). */
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    /** False once its file is gone from the policies directory; its addresses still resolve. */
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('policies_id_slug', sql`${t.id} ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'`),
    check('policies_network_valid', sql`${t.network} in ('bitcoin', 'testnet', 'signet', 'regtest')`),
    check('policies_script_valid', sql`${t.script} in ('p2wsh', 'p2sh-p2wsh')`),
    check('policies_tier_valid', sql`${t.tier} in ('cold', 'warm', 'hot')`),
    check('policies_m_of_n', sql`${t.threshold} between 1 and ${t.signerCount} and ${t.signerCount} <= 20`),
    check('policies_gap_limit', sql`${t.gapLimit} between 1 and 1000`),
    check('policies_version_positive', sql`${t.version} >= 1`),
  ],
);

/** Every version a policy has had, append-only (a trigger refuses UPDATE and DELETE). */
export const policyVersions = pgTable(
  'policy_versions',
  {
    policyId: text('policy_id')
      .notNull()
      .references(() => policies.id),
    version: integer('version').notNull(),
    keysetHash: text('keyset_hash').notNull(),
    contentHash: text('content_hash').notNull(),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.policyId, t.version] })],
);

/**
 * Addresses the reserve has handed out (`issued`), found paid before being issued (`derived`),
 * or seen receiving funds (`used`). Identity columns are immutable (trigger).
 */
export const policyAddresses = pgTable(
  'policy_addresses',
  {
    address: text('address').primaryKey(),
    policyId: text('policy_id')
      .notNull()
      .references(() => policies.id),
    chain: smallint('chain').notNull(),
    index: integer('index').notNull(),
    scriptPubKey: text('script_pub_key').notNull(),
    witnessScript: text('witness_script').notNull(),
    state: text('state').notNull(),
    label: text('label'),
    site: text('site'),
    pool: text('pool'),
    purpose: text('purpose'),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'date' }),
    issuedBy: text('issued_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    unique('policy_addresses_position').on(t.policyId, t.chain, t.index),
    unique('policy_addresses_label').on(t.policyId, t.label),
    index('policy_addresses_policy_state_idx').on(t.policyId, t.chain, t.state),
    check('policy_addresses_chain_valid', sql`${t.chain} in (0, 1)`),
    check('policy_addresses_index_range', sql`${t.index} between 0 and 2147483647`),
    check('policy_addresses_state_valid', sql`${t.state} in ('issued', 'derived', 'used')`),
    check('policy_addresses_issued_has_label', sql`${t.state} <> 'issued' or ${t.label} is not null`),
    check(
      'policy_addresses_hex',
      sql`${t.scriptPubKey} ~ '^([0-9a-f]{2})+$' and ${t.witnessScript} ~ '^([0-9a-f]{2})+$'`,
    ),
  ],
);
