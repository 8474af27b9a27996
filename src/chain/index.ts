// The chain module's door: blocks, the tip, reorg application and the chain lock.
// The only writer of the chain tables; every other module reads the chain through here.
export {
  type BlockEvent,
  type ChainBlock,
  type ChainView,
  findBlock,
  readChain,
  readTip,
  recordBlockEvent,
  type Tip,
} from './blocks.js';
export {
  acquireChainExclusive,
  acquireChainShared,
  CHAIN_LOCK,
  type ChainLockMode,
  chainLockStatement,
} from './lock.js';
export { applyBlock, type ChainMove, checkBlockHeight } from './reorg.js';
export { getTip, tipAsOf } from './reads.js';
export { tipForMetrics } from './gauges.js';
export * from './spv/index.js';
export { connectHeader, type HeaderMove, type HeaderRead, readHeader } from './connect.js';
export { type ChainSettings, chainSettings, loadChainSettings, setChainSettings } from './settings.js';
export { headerOf } from './tree.js';
export { type ProofInput, proofRequired, proveInBlock } from './prove.js';
