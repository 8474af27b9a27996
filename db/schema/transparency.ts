import { sql } from 'drizzle-orm';
import { bigint, check, customType, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

// The transparency log over the ledger (src/ledger/transparency, docs/transparency.md). Its
// rules live in the custom migration db/migrations/transparency/*_guards.sql: the tree is
// extended only by transparency_extend() from the ledger's own entries, nothing is ever updated
// or deleted, and a checkpoint smaller than or inconsistent with the previous one is refused.

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => Buffer.from(v),
});

/**
 * Every complete subtree of the RFC 6962 tree: level 0 holds leaf i = SHA-256(0x00 || canonical
 * bytes of entry seq i + 1); level L index i covers leaves [i * 2^L, (i + 1) * 2^L). Any tree
 * head or proof is a combination of O(log n) of these rows.
 */
export const transparencyNodes = pgTable(
  'transparency_nodes',
  {
    level: smallint('level').notNull(),
    idx: bigint('idx', { mode: 'bigint' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.level, t.idx] }),
    check('transparency_nodes_level_range', sql`${t.level} between 0 and 62`),
    check('transparency_nodes_idx_range', sql`${t.idx} >= 0`),
    check('transparency_nodes_hash_size', sql`octet_length(${t.hash}) = 32`),
  ],
);

/** One row: how many entries the tree holds, and the log's verifier key once it has signed. */
export const transparencyHead = pgTable(
  'transparency_head',
  {
    id: smallint('id').primaryKey(),
    size: bigint('size', { mode: 'bigint' }).notNull(),
    logKey: text('log_key'),
  },
  (t) => [check('transparency_head_single_row', sql`${t.id} = 1`)],
);

/** Signed checkpoints, each larger than and consistent with the one before (guard trigger). */
export const transparencyCheckpoints = pgTable(
  'transparency_checkpoints',
  {
    size: bigint('size', { mode: 'bigint' }).primaryKey(),
    root: bytea('root').notNull(),
    /** The tlog-checkpoint body: origin, size, base64 root, each ending in a newline. */
    body: text('body').notNull(),
    /** The log's signature line over the body. */
    signature: text('signature').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('transparency_checkpoints_size_positive', sql`${t.size} > 0`),
    check('transparency_checkpoints_root_size', sql`octet_length(${t.root}) = 32`),
  ],
);

/** Witness cosignatures (tlog-cosignature/v1 lines), verified against WITNESS_KEYS before they are stored. */
export const transparencyCosignatures = pgTable(
  'transparency_cosignatures',
  {
    checkpointSize: bigint('checkpoint_size', { mode: 'bigint' })
      .notNull()
      .references(() => transparencyCheckpoints.size),
    /** `<name>+<hex key id>` of the witness. */
    witness: text('witness').notNull(),
    signature: text('signature').notNull(),
    /** The time inside the cosignature (seconds since the epoch). */
    cosignedAt: bigint('cosigned_at', { mode: 'bigint' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.checkpointSize, t.witness] })],
);
