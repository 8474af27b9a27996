import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** API keys for people and programs; only a SHA-256 of the secret is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    secretHash: text('secret_hash').notNull().unique(),
    /** First characters of the key, so a person can tell keys apart without the secret. */
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdBy: text('created_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedBy: text('revoked_by'),
  },
  (t) => [
    check('api_keys_role_valid', sql`${t.role} in ('admin', 'officer', 'approver', 'auditor')`),
    check('api_keys_name_nonempty', sql`length(${t.name}) between 1 and 200`),
  ],
);

/** Append-only record of every mutating request; UPDATE and DELETE are refused by a trigger. */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'bigint' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actorKeyId: text('actor_key_id'),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    method: text('method'),
    route: text('route'),
    target: text('target'),
    requestId: text('request_id'),
    outcome: text('outcome').notNull(),
    status: integer('status'),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    check('audit_log_outcome_valid', sql`${t.outcome} in ('ok', 'denied', 'rejected', 'error')`),
  ],
);
