// The alerts module's door: raise an alert in the caller's transaction, list them.
export * from './service.js';
