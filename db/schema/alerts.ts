import { sql } from 'drizzle-orm';
import { check, foreignKey, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { alerts } from './payouts.js';

// Acknowledgements of alerts (src/alerts): an officer's note that someone has looked. One per
// alert (the primary key), never changed or removed (db/migrations/alerts/*_guards.sql). The
// alerts themselves are in the payouts schema (append-only there); an alert is `open` while it
// has no row here.
export const alertAcknowledgements = pgTable(
  'alert_acknowledgements',
  {
    alertId: text('alert_id').primaryKey(),
    note: text('note').notNull(),
    /** The API key that acknowledged it, and its name at the time. */
    keyId: text('key_id'),
    actorName: text('actor_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ columns: [t.alertId], foreignColumns: [alerts.id], name: 'alert_acknowledgements_alert_fk' }),
    check('alert_acknowledgements_note_size', sql`char_length(${t.note}) between 1 and 2000`),
  ],
);
