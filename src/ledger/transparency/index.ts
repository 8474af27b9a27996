// The transparency log over the ledger: the pure tree, notes and proofs (usable offline, e.g. by
// src/verify and the witness CLI), and the log's routes and follower job.
export * from './checkpoint.js';
export * from './merkle.js';
export * from './note.js';
export * from './proofs.js';
export * from './receipt.js';
export * from './tiles.js';
export { startTransparencyJob, FOLLOW_INTERVAL_MS, type TransparencyJob } from './job.js';
export { transparencyRouter } from './routes.js';
export { loadLogSetup, logOrigin, parseWitnessKeys, type LogSetup } from './setup.js';
export { makeCheckpoint, latestCheckpoint, checkpointCovering, checkpointNote } from './log.js';
export { extendTo, ledgerSize, storedConsistency, storedRoot, treeSize } from './store.js';
