// The ledger module's door: its service verbs and reads, and the chart of accounts.
export * from './accounts.js';
export * from './service.js';
