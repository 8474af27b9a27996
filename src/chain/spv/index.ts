// Pure SPV rules (no database, no HTTP): headers, proof of work, retargets, merkle proofs.
export { refuse, SpvError, type SpvField } from './errors.js';
export { fromDisplayHex, hashToBigInt, sha256d, toDisplayHex } from './hash.js';
export { type BlockHeader, HEADER_BYTES, parseHeader, parseHeaderHex, serializeHeader } from './header.js';
export {
  foldBranch,
  MAX_BRANCH_LENGTH,
  merkleBranch,
  merkleBranchesDisplay,
  merkleLevels,
  merkleRoot,
  parsesAsTransaction,
} from './merkle.js';
export { CHAIN_PARAMS, CHAIN_RULES, type ChainParams, type ChainRules, chainParams } from './params.js';
export { BIP34_HEIGHT, bip34Prefix, type ProvenTx, type TxProof, verifyTxProof } from './proof.js';
export {
  type AncestorLookup,
  type ChainEntry,
  calculateNextWorkRequired,
  checkHeader,
  checkProofOfWork,
  type HeaderCheck,
  MAX_FUTURE_BLOCK_TIME_SEC,
  MAX_TIMEWARP_SEC,
  medianTimePast,
  nextWorkRequired,
  permittedDifficultyTransition,
} from './rules.js';
export { decodeCompact, encodeCompact, targetFromBits, workFromBits, workFromTarget } from './work.js';
export { type Checkpoint, genesisCheckpoint, parseCheckpoint } from './checkpoint.js';
