// The exports module's door: what other modules may use of it.
export * from './labels-import.js';
export * from './routes.js';
