// The alerts module's door: raise an alert in the caller's transaction (each kind's details
// have a schema, kinds.ts), list and acknowledge them, and the checks that raise some of them.
export * from './service.js';
export {
  checkPayoutSilence,
  type SiteActivity,
  type SilenceJob,
  silentSites,
  startPayoutSilenceJob,
} from './silence.js';
export { SignatureWatch, type SignatureWatchOptions } from './signature-watch.js';
export { raiseWitnessRefusal, WitnessRefusalInput } from './witness.js';
