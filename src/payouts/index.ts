// The payouts module's door: what other modules may use of it.
export * from './sender.js';
