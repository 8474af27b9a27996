import { createHash, randomBytes } from 'node:crypto';

/** A prefixed random id (`key_…`, `ent_…`, `site_…`): sortable by kind, kind to people reading logs. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

/** The longest ledger source id (src/ledger/model.ts refuses more). */
const SOURCE_ID_MAX = 200;

/**
 * A ledger source id naming one event's effect on a thing: `<thing>@<event id>`, or, when a
 * long event id (webhook-ids may have 256 characters) would not fit, `<thing>@sha256:<hex>` of
 * the event id: still one source per (thing, event), so a replay finds the entry it wrote.
 */
export function eventSourceId(thing: string, eventId: string): string {
  const plain = `${thing}@${eventId}`;
  if (plain.length <= SOURCE_ID_MAX) return plain;
  return `${thing}@sha256:${createHash('sha256').update(eventId).digest('hex')}`;
}
