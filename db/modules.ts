/**
 * Modules that own tables, in the order their migrations are applied.
 * A later module may reference an earlier one's tables (foreign keys), never the reverse.
 */
export const MIGRATION_MODULES = [
  'platform',
  'policies',
  'ledger',
  'payouts',
  'production',
  'console',
  'transparency',
  'spends',
  'alerts',
] as const;
export type MigrationModule = (typeof MIGRATION_MODULES)[number];
