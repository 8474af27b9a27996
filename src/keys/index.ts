// The keys module's door: what other modules may use of it.
export * from './schema.js';
export * from './service.js';
