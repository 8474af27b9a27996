import { miningIncome, vaultAccount } from '../ledger/index.js';

// The UTXO state machine, pure: no database, no Hono.
// A coin's state is a function of its facts and of the chain as the service knows it, never of
// the order in which events arrived; `planTransition` says which ledger entries move the books
// from one state to the next, so that the asset accounts always equal the UTXO set.

/** The states the chain puts a coin in (a function of its facts and the chain, see statusOf). */
export const UTXO_STATUSES = ['unconfirmed', 'immature', 'available', 'orphaned'] as const;
export type UtxoStatus = (typeof UTXO_STATUSES)[number];
export type BookedStatus = Exclude<UtxoStatus, 'orphaned'>;

/**
 * Every state a coin can be in: the chain's, plus `locked` (held by a spend being signed), `spent`
 * (its spending transaction is known) and `withdrawn` (a vault output of a settled transaction whose
 * settlement a reorg undid: never spent, no longer on the chain until the transaction is confirmed
 * again). Only the spend verbs move a coin into or out of these; none of them is held.
 */
export const COIN_STATUSES = [...UTXO_STATUSES, 'locked', 'spent', 'withdrawn'] as const;
export type CoinStatus = (typeof COIN_STATUSES)[number];
/** The states with an asset account: what the reserve holds. */
export type HeldStatus = BookedStatus | 'locked';
export const HELD_STATUSES: readonly HeldStatus[] = ['unconfirmed', 'immature', 'available', 'locked'];

/**
 * The moves of a spend, as the database enforces them too (migrations payouts/0008, 0016): lock and
 * release; spend from locked, or from available when the coin was spent outside Reserve; a reorg of
 * the spending block takes a spent coin back to locked or available, and withdraws the transaction's
 * own vault outputs (available -> withdrawn); its settlement restored brings them back to available.
 */
const HOLD_MOVES: Record<string, readonly CoinStatus[]> = {
  available: ['locked', 'spent', 'withdrawn'],
  locked: ['available', 'spent'],
  spent: ['locked', 'available'],
  withdrawn: ['available'],
};

/** The states no asset account holds: what left the reserve, or never was (or no longer is) on the chain. */
export const NOT_HELD_STATUSES = ['orphaned', 'spent', 'withdrawn'] as const;

/**
 * The site_id of a coin that the settlement of Reserve's own spend created (its change, or a transfer into a
 * vault): no site produced it, and a fleet's later report of the same output names its own site.
 */
export const SETTLED_SITE = 'reserve';

export function canHoldMove(from: CoinStatus, to: CoinStatus): boolean {
  return HOLD_MOVES[from]?.includes(to) ?? false;
}

/** A coinbase output is spendable once tip - height + 1 >= 100 (consensus: COINBASE_MATURITY). */
export const COINBASE_MATURITY = 100;

/** What the service knows of the block a payout claims; null when it has not heard of it. */
export interface KnownBlock {
  height: number;
  connected: boolean;
  everDisconnected: boolean;
}

export interface CoinFacts {
  coinbase: boolean;
  blockHash: string | null;
}

export function confirmations(blockHeight: number, tipHeight: number | null): number {
  return tipHeight === null ? 0 : Math.max(0, tipHeight - blockHeight + 1);
}

/**
 * The state the chain puts a coin in:
 * - a coinbase whose block was ever disconnected is orphaned for good (its reward no longer exists);
 * - an ordinary payout whose block is disconnected, unknown, or absent is unconfirmed
 *   (it may be mined again); a claimed block counts only once `block.connected` has said so;
 * - in a connected block: an ordinary payout is available; a coinbase is immature until
 *   COINBASE_MATURITY confirmations, then available.
 */
export function statusOf(coin: CoinFacts, block: KnownBlock | null, tipHeight: number | null): UtxoStatus {
  if (coin.blockHash === null) return 'unconfirmed';
  if (coin.coinbase && block?.everDisconnected) return 'orphaned';
  if (!block?.connected) return 'unconfirmed';
  if (!coin.coinbase) return 'available';
  return confirmations(block.height, tipHeight) >= COINBASE_MATURITY ? 'available' : 'immature';
}

/**
 * When a payout's income is booked (`occurred_at` of its receipt), so that the reconciliation
 * attributes it to the production it pays for: the period's start when the fleet names a period
 * (the instant the period's energy cost is booked at too), else the time of the block it is in
 * when that block is known connected (the time the fleet reported the block connected), else
 * the time the fleet reported the payout.
 */
export function incomeTimeOf(
  period: { start: Date } | null,
  block: { connected: boolean; stateAt: Date } | undefined,
  reportedAt: Date,
): Date {
  if (period) return period.start;
  if (block?.connected) return block.stateAt;
  return reportedAt;
}

export function assetAccount(policyId: string, status: HeldStatus): string {
  return vaultAccount(policyId, status);
}

export function incomeAccount(siteId: string): string {
  return miningIncome(siteId);
}

/** One ledger step of a transition. Amounts are the coin's satoshis; signs are in the postings. */
export type LedgerStep =
  | { kind: 'receipt'; to: BookedStatus }
  | { kind: 'reclassify'; from: BookedStatus; to: BookedStatus }
  | { kind: 'reverse_receipt' };

export class TransitionError extends Error {}

/**
 * The ledger steps from one state to another. `from` is null for a coin not yet recorded;
 * `receiptStatus` is where its receipt was booked (orphaning first returns there, then reverses it).
 */
export function planTransition(
  from: UtxoStatus | null,
  to: UtxoStatus,
  receiptStatus: BookedStatus | null,
): LedgerStep[] {
  if (from === to) return [];
  if (from === 'orphaned') throw new TransitionError('an orphaned coin stays orphaned');
  if (from === null) return to === 'orphaned' ? [] : [{ kind: 'receipt', to }];
  if (to !== 'orphaned') return [{ kind: 'reclassify', from, to }];
  if (receiptStatus === null) throw new TransitionError('a booked coin has a receipt status');
  return from === receiptStatus
    ? [{ kind: 'reverse_receipt' }]
    : [{ kind: 'reclassify', from, to: receiptStatus }, { kind: 'reverse_receipt' }];
}

/** The postings of one step, as (account, signed satoshis) pairs that sum to zero. */
export function postingsOf(
  step: Exclude<LedgerStep, { kind: 'reverse_receipt' }>,
  coin: { policyId: string; siteId: string; amountSat: bigint },
) {
  if (step.kind === 'receipt') {
    return [
      { account: assetAccount(coin.policyId, step.to), amount: coin.amountSat },
      { account: incomeAccount(coin.siteId), amount: -coin.amountSat },
    ];
  }
  return [
    { account: assetAccount(coin.policyId, step.to), amount: coin.amountSat },
    { account: assetAccount(coin.policyId, step.from), amount: -coin.amountSat },
  ];
}

/**
 * The last-writer-wins order of chain events: a later event timestamp wins, and on a tie the
 * larger webhook-id, so that any delivery order ends in the same chain state.
 */
export function isNewer(a: { at: Date; eventId: string }, b: { at: Date; eventId: string }): boolean {
  const dt = a.at.getTime() - b.at.getTime();
  return dt !== 0 ? dt > 0 : a.eventId > b.eventId;
}
