import type { Ctx } from '../context.js';
import { findEntryBySource, listAccounts, postEntries } from '../ledger/index.js';

// The ledger calls the coins make, through the ledger's door, inside the caller's transaction.

export interface BtcPosting {
  account: string;
  amount: bigint;
}

export interface BtcEntry {
  kind: string;
  description: string;
  occurredAt: Date;
  source: { type: string; id: string };
  postings: BtcPosting[];
  /** seq of the entry this one reverses. */
  reverses?: bigint | null;
}

/** Posts BTC entries in ctx.tx under one chain-head lock, in order; returns their ids. */
export async function postBtcEntries(ctx: Ctx, entries: BtcEntry[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const posted = await postEntries(
    ctx,
    entries.map((e) => ({ ...e, postings: e.postings.map((p) => ({ ...p, commodity: 'BTC' })) })),
  );
  return posted.map((p) => p.id);
}

/** The seq of an entry by its (kind, source) key, e.g. a coin's receipt, which its orphaning reverses. */
export async function entrySeq(ctx: Ctx, kind: string, source: { type: string; id: string }): Promise<bigint | null> {
  const entry = await findEntryBySource(ctx, kind, source);
  return entry?.seq ?? null;
}

export async function receiptSeq(ctx: Ctx, outpoint: string): Promise<bigint | null> {
  return entrySeq(ctx, 'payout.receipt', { type: 'utxo', id: outpoint });
}

/** BTC balances of the accounts at or below a prefix, from the ledger's maintained balances. */
export async function btcBalances(ctx: Ctx, prefix: string): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const account of await listAccounts(ctx, { prefix })) {
    const btc = account.balances.find((b) => b.commodity === 'BTC');
    balances.set(account.name, typeof btc?.balance === 'bigint' ? btc.balance : 0n);
  }
  return balances;
}
