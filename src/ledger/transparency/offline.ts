// The pure half of the transparency log, importing no database and no HTTP: what the offline
// verifier (src/verify) and the witness CLI use.
export * from './checkpoint.js';
export * from './merkle.js';
export * from './note.js';
export * from './proofs.js';
export * from './receipt.js';
export * from './tiles.js';
export * from './witness.js';
export { logOrigin, parseWitnessKeys, toCosigner } from './setup.js';
