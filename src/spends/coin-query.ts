import { and, inArray, isNotNull } from 'drizzle-orm';
import { spends } from '../../db/schema/spends.js';
import { coinsAt, knownTransactions, largestSpendable, type SpendableCoin, smallestSpendable } from '../coins/index.js';
import { type Ctx, executor } from '../context.js';
import type { Funding, SpendCoin } from '../custody/index.js';
import { finishSelection, planSelection, type SelectionParams, SelectionError } from '../custody/index.js';
import { derivationsOf } from '../policies/index.js';

// Candidate coins for a spend, through the coins door: the maxInputs + 1 largest available coins (which
// decide how many inputs the spend needs), then the smallest available coin that still covers the amount.
// The chosen coins get their address's chain and index from the policies door, to derive their scripts.

export interface Candidate extends SpendCoin {
  coinbase: boolean;
}

type Located = SpendableCoin & { chain: 0 | 1 | null; index: number | null };

/** Each coin with its address's place in the policy (null for an address the policies did not issue). */
async function locate<T extends SpendableCoin>(ctx: Ctx, coins: readonly T[]): Promise<(T & Located)[]> {
  const places = await derivationsOf(
    ctx,
    coins.map((c) => c.address),
  );
  return coins.map((c) => {
    const at = places.get(c.address);
    return { ...c, chain: at ? (at.chain as 0 | 1) : null, index: at?.index ?? null };
  });
}

const asCandidate = (c: Located): Candidate => ({ ...c, chain: c.chain!, index: c.index! });

export async function selectFromVault(
  ctx: Ctx,
  policyId: string,
  params: SelectionParams,
): Promise<Funding<Candidate>> {
  const largest = await largestSpendable(ctx, { policyId, limit: params.maxInputs + 1 });
  const plan = planSelection(largest, params);
  const last = await smallestSpendable(ctx, { policyId, minSat: plan.lastMinSat, exclude: plan.prefix });
  if (!last) throw new SelectionError({ reason: 'insufficient_funds', availableSat: 0n, requiredSat: plan.lastMinSat });
  const funding = finishSelection(plan, last, params);
  const located = await locate(ctx, funding.inputs);
  const unplaced = located.find((c) => c.chain === null);
  if (unplaced) throw new Error(`coin ${unplaced.txid}:${unplaced.vout} pays an address no policy issued`);
  return { ...funding, inputs: located.map(asCandidate) };
}

/** The named coins (coin control) with their state, policy and derivation; absent ones are missing. */
export async function namedCoins(ctx: Ctx, outpoints: readonly { txid: string; vout: number }[]) {
  return locate(ctx, await coinsAt(ctx, outpoints));
}

/**
 * The previous transactions Reserve holds for these coins: those the coins kept (payouts' raw_tx_hex) and
 * its own spends' final transactions (change and transfers it settled).
 */
export async function knownPrevTxs(ctx: Ctx, txids: readonly string[]): Promise<Map<string, string>> {
  if (txids.length === 0) return new Map();
  const known = await knownTransactions(ctx, txids);
  const missing = [...new Set(txids)].filter((t) => !known.has(t));
  if (missing.length === 0) return known;
  const rows = await executor(ctx)
    .select({ txid: spends.txid, hex: spends.finalTxHex })
    .from(spends)
    .where(and(inArray(spends.txid, missing), isNotNull(spends.finalTxHex)));
  for (const r of rows) known.set(r.txid, r.hex!);
  return known;
}
