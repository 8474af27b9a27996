import {
  type Checkpoint,
  type ChainRules,
  CHAIN_RULES,
  genesisCheckpoint,
  parseCheckpoint,
  SpvError,
} from './spv/index.js';

// Chain settings, read once from the environment (documented in docs/chain.md):
//   CHAIN_NETWORK                bitcoin | testnet | testnet4 | signet | regtest (default regtest)
//   CHAIN_CHECKPOINT_<NETWORK>   height:hash:header_hex where the header tree starts (default genesis)
//   PAYOUT_PROOF                 required | optional, per policy network (prove.ts: proofRequired)

export interface ChainSettings {
  rules: ChainRules;
  checkpoint: Checkpoint;
}

let cached: ChainSettings | undefined;

export function loadChainSettings(env: Record<string, string | undefined> = process.env): ChainSettings {
  const rules = (env.CHAIN_NETWORK ?? 'regtest') as ChainRules;
  if (!(CHAIN_RULES as readonly string[]).includes(rules))
    throw new Error(`CHAIN_NETWORK: must be one of ${CHAIN_RULES.join(', ')}`);
  const text = env[`CHAIN_CHECKPOINT_${rules.toUpperCase()}`];
  let checkpoint: Checkpoint;
  try {
    checkpoint = text ? parseCheckpoint(rules, text) : genesisCheckpoint(rules);
  } catch (err) {
    if (err instanceof SpvError) throw new Error(`CHAIN_CHECKPOINT_${rules.toUpperCase()}: ${err.reason}`);
    throw err;
  }
  const proof = env.PAYOUT_PROOF;
  if (proof !== undefined && proof !== 'required' && proof !== 'optional')
    throw new Error('PAYOUT_PROOF: must be required or optional');
  return { rules, checkpoint };
}

export function chainSettings(): ChainSettings {
  cached ??= loadChainSettings();
  return cached;
}

/** Tests and the demo set the chain's settings explicitly. */
export function setChainSettings(settings: ChainSettings | undefined): void {
  cached = settings;
}
