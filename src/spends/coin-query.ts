import { and, asc, desc, eq, gte, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { utxos } from '../../db/schema/payouts.js';
import { policyAddresses } from '../../db/schema/policies.js';
import { spends } from '../../db/schema/spends.js';
import type { SpendCoin } from '../custody/index.js';
import { planSelection, type SelectionParams, SelectionError, finishSelection } from '../custody/index.js';
import type { Funding } from '../custody/index.js';

// Candidate coins for a spend, read with two indexed queries instead of the whole vault: the
// maxInputs + 1 largest available coins (which decide how many inputs the spend needs), then the
// smallest available coin that still covers the amount. Each coin comes with its address's chain and
// index (policy_addresses), to derive its scripts. The coins door offers no such read yet: this
// reads the coins' and policies' tables directly, read-only; the lock goes through coins.lockCoins.

export interface Candidate extends SpendCoin {
  coinbase: boolean;
}

const columns = {
  txid: utxos.txid,
  vout: utxos.vout,
  valueSat: utxos.amountSat,
  address: utxos.address,
  coinbase: utxos.coinbase,
  chain: policyAddresses.chain,
  index: policyAddresses.index,
};

type Row = {
  txid: string;
  vout: bigint;
  valueSat: bigint;
  address: string;
  coinbase: boolean;
  chain: number;
  index: number;
};
const toCandidate = (r: Row): Candidate => ({ ...r, vout: Number(r.vout), chain: r.chain as 0 | 1 });

function available(tx: Tx, policyId: string) {
  return tx
    .select(columns)
    .from(utxos)
    .innerJoin(policyAddresses, eq(policyAddresses.address, utxos.address))
    .where(and(eq(utxos.policyId, policyId), eq(utxos.status, 'available')));
}

export async function selectFromVault(tx: Tx, policyId: string, params: SelectionParams): Promise<Funding<Candidate>> {
  const largest = (
    await available(tx, policyId)
      .orderBy(desc(utxos.amountSat), asc(utxos.txid), asc(utxos.vout))
      .limit(params.maxInputs + 1)
  ).map(toCandidate);
  const plan = planSelection(largest, params);
  const prefix = plan.prefix.map((c) => `${c.txid}:${c.vout}`);
  const [last] = await tx
    .select(columns)
    .from(utxos)
    .innerJoin(policyAddresses, eq(policyAddresses.address, utxos.address))
    .where(
      and(
        eq(utxos.policyId, policyId),
        eq(utxos.status, 'available'),
        gte(utxos.amountSat, plan.lastMinSat),
        prefix.length > 0 ? notInArray(sql`${utxos.txid} || ':' || ${utxos.vout}`, prefix) : undefined,
      ),
    )
    // The same order compareCoinsDesc gives, from its far end: smallest value, then the last outpoint.
    .orderBy(asc(utxos.amountSat), desc(utxos.txid), desc(utxos.vout))
    .limit(1);
  if (!last) throw new SelectionError({ reason: 'insufficient_funds', availableSat: 0n, requiredSat: plan.lastMinSat });
  return finishSelection(plan, toCandidate(last), params);
}

/** The named coins (coin control) with their state, policy and derivation; absent ones are missing. */
export async function namedCoins(tx: Tx, outpoints: readonly { txid: string; vout: number }[]) {
  if (outpoints.length === 0) return [];
  const rows = await tx
    .select({ ...columns, status: utxos.status, policyId: utxos.policyId })
    .from(utxos)
    .leftJoin(policyAddresses, eq(policyAddresses.address, utxos.address))
    .where(
      sql`(${utxos.txid}, ${utxos.vout}) in (${sql.join(
        outpoints.map((o) => sql`(${o.txid}, ${BigInt(o.vout)})`),
        sql`, `,
      )})`,
    );
  return rows;
}

/**
 * The previous transactions Reserve holds for these coins: its own spends' final transactions (change and
 * transfers it settled). Payouts' raw transactions are not kept by the coins yet.
 */
export async function knownPrevTxs(tx: Tx, txids: readonly string[]): Promise<Map<string, string>> {
  if (txids.length === 0) return new Map();
  const rows = await tx
    .select({ txid: spends.txid, hex: spends.finalTxHex })
    .from(spends)
    .where(and(inArray(spends.txid, [...new Set(txids)]), isNotNull(spends.finalTxHex)));
  return new Map(rows.map((r) => [r.txid, r.hex!]));
}
