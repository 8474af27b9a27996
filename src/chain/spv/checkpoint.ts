import { refuse } from './errors.js';
import { parseHeaderHex } from './header.js';
import { type ChainParams, type ChainRules, chainParams } from './params.js';
import type { ChainEntry } from './rules.js';
import { workFromBits } from './work.js';

// Where a network's header tree starts: a header trusted without its ancestors. regtest starts at
// its genesis; the others at a configured `height:hash:header` (CHAIN_CHECKPOINT_<NETWORK>), or
// their genesis when none is configured. Chainwork counts from the checkpoint (its own work
// included): every branch Reserve compares descends from it, so only differences matter.

export interface Checkpoint {
  rules: ChainRules;
  entry: ChainEntry;
  headerHex: string;
}

export function genesisCheckpoint(rules: ChainRules): Checkpoint {
  const p = chainParams(rules);
  const h = parseHeaderHex(p.genesisHeaderHex);
  return {
    rules,
    headerHex: p.genesisHeaderHex,
    entry: { height: 0, hash: h.hash, time: h.time, bits: h.bits, chainwork: workFromBits(h.bits) },
  };
}

/** Parses `height:hash:header`; refuses a header that is not that hash, or a height off a retarget boundary. */
export function parseCheckpoint(rules: ChainRules, text: string): Checkpoint {
  const params: ChainParams = chainParams(rules);
  const [heightText, hash, headerHex, ...rest] = text.trim().split(':');
  if (rest.length > 0 || !heightText || !hash || !headerHex) refuse('checkpoint', 'must be height:hash:header_hex');
  if (!/^\d{1,8}$/.test(heightText)) refuse('checkpoint', 'height must be a non-negative integer');
  const height = Number(heightText);
  const header = parseHeaderHex(headerHex.toLowerCase());
  if (header.hash !== hash.toLowerCase()) refuse('checkpoint', `the header hashes to ${header.hash}, not ${hash}`);
  // The retarget and min-difficulty rules look back to the period's first block: start on one.
  if (!params.noRetargeting && height % params.interval !== 0) {
    refuse('checkpoint', `height must be a multiple of ${params.interval} on ${rules} (a retarget boundary)`);
  }
  return {
    rules,
    headerHex: headerHex.toLowerCase(),
    entry: { height, hash: header.hash, time: header.time, bits: header.bits, chainwork: workFromBits(header.bits) },
  };
}
