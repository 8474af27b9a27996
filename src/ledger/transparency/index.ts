// The transparency log over the ledger: the pure tree, notes and proofs (offline.ts, usable by
// src/verify and the witness CLI), and the log's routes, verbs and follower job.
export * from './offline.js';
export { FOLLOW_INTERVAL_MS, startTransparencyJob, type TransparencyJob } from './job.js';
export {
  checkpointCovering,
  checkpointNote,
  latestCheckpoint,
  latestWitnessedCheckpoint,
  makeCheckpoint,
  manifestTransparency,
  reportCheckpoint,
} from './log.js';
export { transparencyRouter } from './routes.js';
export { type LogSetup, loadLogSetup } from './setup.js';
export { extendTo, ledgerSize, storedConsistency, storedInclusion, storedRoot, treeSize } from './store.js';
