// The audit module's door: the append-only audit log, written in the caller's transaction.
export * from './service.js';
