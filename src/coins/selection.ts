import { Transaction } from 'bitcoinjs-lib';
import { and, asc, desc, eq, gte, sql } from 'drizzle-orm';
import { utxos, utxoTransactions } from '../../db/schema/payouts.js';
import { type Ctx, executor } from '../context.js';

// The coins a spend may choose from, and the previous transactions the coins know. Selection reads
// two ways, each walking the partial index spends_utxos_selection_idx (policy, amount, outpoint)
// where status = 'available': the n largest coins of a vault, and the smallest one at or above an
// amount (outside a given prefix). Nothing here reads another module's tables.

export interface SpendableCoin {
  txid: string;
  vout: number;
  valueSat: bigint;
  address: string;
  coinbase: boolean;
}

const columns = {
  txid: utxos.txid,
  vout: utxos.vout,
  valueSat: utxos.amountSat,
  address: utxos.address,
  coinbase: utxos.coinbase,
};

const toCoin = <R extends { vout: bigint }>(r: R): Omit<R, 'vout'> & { vout: number } => ({
  ...r,
  vout: Number(r.vout),
});

const spendable = (policyId: string) => and(eq(utxos.policyId, policyId), eq(utxos.status, 'available'));

/** The `limit` largest available coins of a vault, equal values by outpoint (compareCoinsDesc's order). */
export async function largestSpendable(ctx: Ctx, input: { policyId: string; limit: number }): Promise<SpendableCoin[]> {
  const rows = await executor(ctx)
    .select(columns)
    .from(utxos)
    .where(spendable(input.policyId))
    .orderBy(desc(utxos.amountSat), asc(utxos.txid), asc(utxos.vout))
    .limit(input.limit);
  return rows.map(toCoin);
}

/**
 * The smallest available coin of at least `minSat` that is not one of `exclude` (in compareCoinsDesc's
 * order from its far end: smallest value, then the last outpoint), or null.
 */
export async function smallestSpendable(
  ctx: Ctx,
  input: { policyId: string; minSat: bigint; exclude: readonly { txid: string; vout: number }[] },
): Promise<SpendableCoin | null> {
  const txids = `{${input.exclude.map((c) => c.txid).join(',')}}`;
  const vouts = `{${input.exclude.map((c) => c.vout).join(',')}}`;
  const [row] = await executor(ctx)
    .select(columns)
    .from(utxos)
    .where(
      and(
        spendable(input.policyId),
        gte(utxos.amountSat, input.minSat),
        input.exclude.length > 0
          ? sql`(${utxos.txid}, ${utxos.vout}) not in (select * from unnest(${txids}::text[], ${vouts}::bigint[]))`
          : undefined,
      ),
    )
    .orderBy(asc(utxos.amountSat), desc(utxos.txid), desc(utxos.vout))
    .limit(1);
  return row ? toCoin(row) : null;
}

export interface NamedCoin extends SpendableCoin {
  policyId: string;
  network: string;
  status: string;
}

/** The coins at these outpoints, in any state; outpoints not recorded are absent. */
export async function coinsAt(ctx: Ctx, outpoints: readonly { txid: string; vout: number }[]): Promise<NamedCoin[]> {
  if (outpoints.length === 0) return [];
  const txids = `{${outpoints.map((c) => c.txid).join(',')}}`;
  const vouts = `{${outpoints.map((c) => c.vout).join(',')}}`;
  const rows = await executor(ctx)
    .select({ ...columns, policyId: utxos.policyId, status: utxos.status, network: utxos.network })
    .from(utxos)
    .where(sql`(${utxos.txid}, ${utxos.vout}) in (select * from unnest(${txids}::text[], ${vouts}::bigint[]))`)
    .orderBy(asc(utxos.txid), asc(utxos.vout));
  return rows.map(toCoin);
}

/**
 * Keeps a coin's previous transaction (a payout's raw_tx_hex the caller has checked pays the coin). The
 * txid is computed here, so a row is always the hash of its bytes; a second keep of one is a no-op.
 */
export async function keepTransaction(ctx: Ctx, rawTxHex: string): Promise<string> {
  const hex = rawTxHex.toLowerCase();
  const txid = Transaction.fromHex(hex).getId();
  await executor(ctx).insert(utxoTransactions).values({ txid, rawTxHex: hex }).onConflictDoNothing();
  return txid;
}

/** The previous transactions the coins know, by txid (absent when none was kept). */
export async function knownTransactions(ctx: Ctx, txids: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(txids)];
  if (wanted.length === 0) return new Map();
  const rows = await executor(ctx)
    .select({ txid: utxoTransactions.txid, hex: utxoTransactions.rawTxHex })
    .from(utxoTransactions)
    .where(sql`${utxoTransactions.txid} = any(${`{${wanted.join(',')}}`}::text[])`);
  return new Map(rows.map((r) => [r.txid, r.hex]));
}
