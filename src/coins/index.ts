// The coins module's door: the UTXO set, its state machine, its moves (each with its history
// row and ledger entries in the same transaction) and its reads.
export {
  COINBASE_MATURITY,
  COIN_STATUSES,
  type BookedStatus,
  type CoinFacts,
  type CoinStatus,
  canHoldMove,
  confirmations,
  HELD_STATUSES,
  NOT_HELD_STATUSES,
  type HeldStatus,
  SETTLED_SITE,
  incomeTimeOf,
  isNewer,
  type KnownBlock,
  statusOf,
  UTXO_STATUSES,
  type UtxoStatus,
} from './lifecycle.js';
export {
  coinClaimingOtherHeight,
  lockCoin,
  type MoveReason,
  moveCoin,
  type NewUtxo,
  outpointOf,
  type PlannedEntry,
  receiptStateOf,
  toUtxoView,
  type Utxo,
  type UtxoView,
} from './moves.js';
export { type BtcEntry, postBtcEntries } from './ledger-port.js';
export { holdingsByVaultAndState, lastPayoutBySite } from './gauges.js';
export { applyChainMove, type ChainMoveInput, knownBlock, receiveCoin } from './verbs.js';
export {
  type HoldInput,
  lockCoins,
  markSpent,
  releaseCoins,
  reopenSpend,
  type ReopenInput,
  type SpendInput,
  spendEntryRef,
} from './holds.js';
export {
  coinsAt,
  keepTransaction,
  knownTransactions,
  largestSpendable,
  type NamedCoin,
  smallestSpendable,
  type SpendableCoin,
} from './selection.js';
export {
  getUtxo,
  holdingsReport,
  lastMovedAt,
  listUtxos,
  listUtxosAsOf,
  type UtxoAsOf,
  type UtxoAsOfQuery,
  type UtxoQuery,
} from './reads.js';
