import { type Ctx, executor, type Verb } from '../context.js';
import { findEntryBySource, listAccounts, type Posting, postEntries } from '../ledger/index.js';

import { type PriceMark, priceMarksAt } from '../production/index.js';

// The ledger calls the coins make, through the ledger's door, inside the caller's transaction.
// A mining receipt carries its value at receipt: each of its BTC postings is priced at the BTC
// mark in force at the entry's time (the latest at or before occurred_at, the mark holdings use),
// in the reporting currency, and the entry names the mark's source; an orphaning's reversal
// carries the prices of the receipt it reverses.

/** The currency receipts are valued in: REPORTING_CURRENCY, as the reports default to it. */
export function receiptCurrency(env: Record<string, string | undefined> = process.env): string {
  return env.REPORTING_CURRENCY ?? 'USD';
}

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

/** Posts BTC entries in ctx.tx under one chain-head lock, in order, receipts valued; returns their ids. */
export async function postBtcEntries({ ctx, input }: Verb<{ entries: BtcEntry[] }>): Promise<string[]> {
  const { entries } = input;
  if (entries.length === 0) return [];
  const currency = receiptCurrency();
  const receipts = entries.filter((e) => e.kind === 'payout.receipt');
  const marks = await priceMarksAt(
    executor(ctx),
    currency,
    receipts.map((e) => e.occurredAt),
  );
  const markOf = new Map(receipts.map((e, i) => [e, marks[i] ?? null]));
  const valued = [];
  for (const e of entries) {
    const btc = e.postings.map((p): Posting => ({ ...p, commodity: 'BTC' }));
    if (e.kind === 'payout.receipt') valued.push(priced(e, btc, markOf.get(e) ?? null));
    else if (e.kind === 'payout.orphaned') valued.push({ ...e, postings: await pricedAsReceipt(ctx, e, btc) });
    else valued.push({ ...e, postings: btc });
  }
  const posted = await postEntries({ ctx, input: valued });
  return posted.map((p) => p.id);
}

function priced(e: BtcEntry, postings: Posting[], mark: PriceMark | null) {
  if (!mark) return { ...e, postings, description: `${e.description}; no ${receiptCurrency()} mark at its time` };
  const price = { amount: mark.price, commodity: mark.currency };
  return {
    ...e,
    postings: postings.map((p) => ({ ...p, price })),
    description: `${e.description}; valued at ${mark.price.toFixed()} ${mark.currency}/BTC (${mark.source}, ${mark.at.toISOString()})`,
  };
}

/** An orphaning reverses a receipt at the receipt's own prices. */
async function pricedAsReceipt(ctx: Ctx, e: BtcEntry, postings: Posting[]): Promise<Posting[]> {
  const receipt = await findEntryBySource(ctx, 'payout.receipt', e.source);
  if (!receipt) return postings;
  return postings.map((p) => {
    const price = receipt.postings.find((r) => r.account === p.account)?.price ?? null;
    return price ? { ...p, price } : p;
  });
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
