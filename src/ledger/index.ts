// The ledger module's door: its service verbs and reads, and the chart of accounts.
export * from './accounts.js';
export * from './service.js';
export * from './canonical.js';
export {
  balanceKey,
  type ChainEntry,
  ChainChecker,
  type ChainFault,
  type ChainPosting,
} from './chain-rules.js';
export * from './export/export.js';
export * from './export/formats.js';
export * from './export/range.js';
export * from './transparency/offline.js';
export * from './views.js';
