import type { Verb } from '../context.js';
import type { ChainBlock } from '../chain/index.js';
import { type KnownBlock, statusOf, type UtxoStatus } from './lifecycle.js';
import {
  insertArrival,
  lockCoinsNearTip,
  type MoveReason,
  moveBookedCoins,
  moveCoin,
  type NewUtxo,
  outpointOf,
  type PlannedEntry,
  type Utxo,
} from './moves.js';

// The chain side of the coins: a coin arrives, and the chain moves it. Both return the ledger
// entries they plan instead of posting them: the webhook posts a whole group's entries last,
// under one chain-head lock (see payouts/webhook.ts). The tx is ctx.tx.

function txOf(ctx: Verb<unknown>['ctx']) {
  if (!ctx.tx) throw new Error('coins: this verb runs inside the caller transaction (ctx.tx)');
  return ctx.tx;
}

export function knownBlock(block: ChainBlock | undefined): KnownBlock | null {
  return block ? { height: block.height, connected: block.connected, everDisconnected: block.everDisconnected } : null;
}

/**
 * Records a coin the fleet reported, in the state the chain puts it in, unless its outpoint is
 * already recorded (`inserted` false, nothing written). Input is the payouts module's parsed event;
 * `rawTxHex`, checked by the caller to be the coin's transaction (its txid), is kept with it.
 */
export function receiveCoin({ ctx, input }: Verb<{ coin: NewUtxo; why: MoveReason; rawTxHex?: string | null }>) {
  return insertArrival(txOf(ctx), input.coin, input.why, input.rawTxHex ?? null);
}

export interface ChainMoveInput {
  blockHash: string;
  /** The lower of the tips before and after the block event (chain.applyBlock). */
  lowestTip: number;
  tipHeight: number | null;
  why: MoveReason;
}

/** Moves every coin whose state the block event changes; returns what moved and the entries to post. */
export async function applyChainMove({ ctx, input }: Verb<ChainMoveInput>) {
  const tx = txOf(ctx);
  const moves: { coin: Utxo; from: UtxoStatus; to: UtxoStatus }[] = [];
  for (const { coin, block } of await lockCoinsNearTip(tx, input.blockHash, input.lowestTip)) {
    const from = coin.status as UtxoStatus;
    const to = statusOf({ coinbase: coin.coinbase, blockHash: coin.blockHash }, block, input.tipHeight);
    if (to !== from) moves.push({ coin, from, to });
  }
  // Confirmations and maturities in one statement; an orphaning (rare: it reads its receipt and
  // may raise an alert) one coin at a time. The entries keep the coins' order.
  const booked = moves.filter((m): m is typeof m & { to: Exclude<UtxoStatus, 'orphaned'> } => m.to !== 'orphaned');
  const bookedEntries = await moveBookedCoins(tx, booked, input.why);
  const entriesOf = new Map<(typeof moves)[number], PlannedEntry[]>(booked.map((m, i) => [m, bookedEntries[i]!]));
  const entries: PlannedEntry[] = [];
  for (const m of moves) {
    const planned = entriesOf.get(m) ?? (await moveCoin(ctx, tx, m.coin, m.from, m.to, input.why)).entries;
    entries.push(...planned);
  }
  return { moved: moves.map((m) => ({ outpoint: outpointOf(m.coin), from: m.from, to: m.to })), entries };
}
