import { randomBytes } from 'node:crypto';

/** A prefixed random id (`key_…`, `ent_…`, `site_…`): sortable by kind, kind to people reading logs. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}
