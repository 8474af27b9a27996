// The reports module's door: what other modules may use of it.
export * from './holdings.js';
export * from './proof-of-reserves.js';
export * from './rollforward.js';
export * from './valuation-sources.js';
