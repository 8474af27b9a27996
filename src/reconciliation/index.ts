// The reconciliation module's door: what other modules may use of it.
export * from './report.js';
