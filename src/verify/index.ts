// The verify module's door: what other modules may use of it.
export * from './record-manifest.js';
export * from './records.js';
export * from './verify.js';
export * from './manifest.js';
export * from './transparency.js';
