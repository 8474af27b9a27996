import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './platform.js';

/**
 * Console sessions: a person signed in with an API key. Only a SHA-256 of the cookie's random id is
 * kept, so a database dump opens no session. A session lives until its idle or absolute expiry,
 * until sign-out (row deleted), or until its key is revoked (checked on every request).
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The absolute end, fixed at sign-in; the idle end is last_seen_at + the idle timeout. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    address: text('address'),
  },
  (t) => [
    index('console_sessions_key_idx').on(t.keyId),
    check('console_sessions_hash_hex', sql`${t.idHash} ~ '^[0-9a-f]{64}$'`),
    check('console_sessions_expiry_after_start', sql`${t.expiresAt} > ${t.createdAt}`),
  ],
);

/** Failed sign-ins per client address, for the rate limit; the database holds it so that every instance sees it. */
export const consoleSignInFailures = pgTable(
  'console_sign_in_failures',
  {
    address: text('address').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('console_sign_in_failures_address_at_idx').on(t.address, t.at)],
);
