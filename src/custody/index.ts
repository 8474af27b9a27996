// The custody module's door: what other modules may use of it.
import './ecc.js';

export * from './compose.js';
export * from './finalise.js';
export * from './multisig.js';
export * from './psbt.js';
export * from './selection.js';
export * from './signatures.js';
export * from './vsize.js';
