import { and, asc, eq, gt, inArray, notInArray, or, sql } from 'drizzle-orm';
import { utxoHistory, utxos } from '../../db/schema/payouts.js';
import { type Ctx, executor } from '../context.js';
import { notFound } from '../errors.js';
import { readTip } from '../chain/index.js';
import { entriesOccurredAt, parseAccount, VAULT_PREFIX } from '../ledger/index.js';
import { formatBtc } from '../money/btc.js';
import { btcBalances } from './ledger-port.js';
import { assetAccount, type CoinStatus, HELD_STATUSES, NOT_HELD_STATUSES } from './lifecycle.js';
import { toUtxoView, type Utxo } from './moves.js';

// What the coins are and what the reserve holds, read from the UTXO set and the ledger.

export interface UtxoQuery {
  policyId?: string;
  status?: CoinStatus;
  siteId?: string;
  after?: { txid: string; vout: bigint };
  limit: number;
}

export async function listUtxos(ctx: Ctx, query: UtxoQuery) {
  const db = executor(ctx);
  const conditions = [
    query.policyId ? eq(utxos.policyId, query.policyId) : undefined,
    query.status ? eq(utxos.status, query.status) : undefined,
    query.siteId ? eq(utxos.siteId, query.siteId) : undefined,
    query.after
      ? or(gt(utxos.txid, query.after.txid), and(eq(utxos.txid, query.after.txid), gt(utxos.vout, query.after.vout)))
      : undefined,
  ].filter((c) => c !== undefined);
  const [rows, tip] = await Promise.all([
    db
      .select()
      .from(utxos)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(asc(utxos.txid), asc(utxos.vout))
      .limit(query.limit + 1),
    readTip(db),
  ]);
  return { rows, tipHeight: tip?.height ?? null };
}

export interface UtxoAsOfQuery {
  asOf: Date;
  /** What the reserve had recorded by then (recording time); omitted: everything recorded so far. */
  knownAt?: Date;
  /** Only coins in one of these states at asOf; all the coins known then when omitted. */
  statuses?: readonly CoinStatus[];
  after?: { txid: string; vout: bigint };
  limit: number;
}

export interface UtxoAsOf {
  coin: Utxo;
  /** The coin's state at asOf: the last change its history records at or before then. */
  statusAsOf: CoinStatus;
}

/**
 * The UTXO set as of `asOf` (valid time), rewound through each coin's history (each change at the
 * time its ledger entries are dated, not when it was recorded): coins not yet received then are
 * left out, and each comes with the state it was in. Ordered by outpoint, `limit + 1` rows so
 * the caller can tell whether another page follows.
 */
export async function listUtxosAsOf(ctx: Ctx, query: UtxoAsOfQuery): Promise<UtxoAsOf[]> {
  // Valid time (docs/reports.md): a change counts from the occurred_at of the ledger entries that
  // booked it (block time, payout period, event time), the time the ledger dates it by, so the
  // rewound set and the ledger's balances as of T agree; a change that booked nothing counts from
  // when it was recorded. known_at bounds the other axis: only what had been recorded by then.
  // The ledger dates the entries (its door's entriesOccurredAt), in this statement's snapshot.
  // Each history row is dated once and each coin's last change found in one pass (DISTINCT ON),
  // not by a correlated subquery per coin that dated its history again for every use.
  const validAt = sql`coalesce(${entriesOccurredAt(sql`h.ledger_refs`)}, h.at)`;
  const known = query.knownAt ? sql`where h.at <= ${query.knownAt.toISOString()}::timestamptz` : sql``;
  const asOf = sql`${query.asOf.toISOString()}::timestamptz`;
  const last = sql`(
    select distinct on (d.txid, d.vout) d.txid, d.vout, d.to_status
    from (select h.txid, h.vout, h.to_status, h.seq, ${validAt} as valid_at from utxo_history h ${known}) d
    where d.valid_at <= ${asOf}
    order by d.txid, d.vout, d.valid_at desc, d.seq desc) as last_change`;
  const statusAsOf = sql<CoinStatus>`last_change.to_status`;
  const conditions = [
    query.statuses ? inArray(statusAsOf, [...query.statuses]) : undefined,
    query.after
      ? or(gt(utxos.txid, query.after.txid), and(eq(utxos.txid, query.after.txid), gt(utxos.vout, query.after.vout)))
      : undefined,
  ].filter((c) => c !== undefined);
  const rows = await executor(ctx)
    .select({ coin: utxos, statusAsOf })
    .from(utxos)
    .innerJoin(last, sql`last_change.txid = ${utxos.txid} and last_change.vout = ${utxos.vout}`)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(utxos.txid), asc(utxos.vout))
    .limit(query.limit + 1);
  return rows.map((r) => ({ coin: r.coin, statusAsOf: r.statusAsOf }));
}

/**
 * The valid time of the latest move of any of these coins (each history row dated as listUtxosAsOf
 * dates it), or null when none is recorded: a move booked for them must not be dated before it, or
 * the rewound UTXO set and the ledger as of a time between the two would disagree.
 */
export async function lastMovedAt(ctx: Ctx, coins: readonly { txid: string; vout: bigint | number }[]) {
  if (coins.length === 0) return null;
  const txids = `{${coins.map((c) => c.txid).join(',')}}`;
  const vouts = `{${coins.map((c) => c.vout.toString()).join(',')}}`;
  const [row] = await executor(ctx)
    .select({ at: sql<string | Date | null>`max(coalesce(${entriesOccurredAt(sql`h.ledger_refs`)}, h.at))` })
    .from(sql`utxo_history h`)
    .where(sql`(h.txid, h.vout) in (select * from unnest(${txids}::text[], ${vouts}::bigint[]))`);
  return row?.at ? new Date(row.at) : null;
}

export async function getUtxo(ctx: Ctx, txid: string, vout: bigint) {
  const db = executor(ctx);
  const [coin] = await db
    .select()
    .from(utxos)
    .where(and(eq(utxos.txid, txid), eq(utxos.vout, vout)));
  if (!coin) throw notFound(`UTXO ${txid}:${vout}`);
  const history = await db
    .select()
    .from(utxoHistory)
    .where(and(eq(utxoHistory.txid, txid), eq(utxoHistory.vout, vout)))
    .orderBy(asc(utxoHistory.seq));
  const tip = await readTip(db);
  return {
    ...toUtxoView(coin, tip?.height ?? null),
    history: history.map((h) => ({
      seq: h.seq.toString(),
      from_status: h.fromStatus as CoinStatus | null,
      to_status: h.toStatus as CoinStatus,
      reason: h.reason,
      event_id: h.eventId,
      ledger_entries: h.ledgerRefs,
      at: h.at.toISOString(),
    })),
  };
}

/**
 * Holdings per policy and state from the ledger's maintained balances, each beside the sum of
 * the UTXO set in that state: `consistent` says whether the books and the coins agree.
 * Read in one transaction so both sides see the same moment.
 */
export async function holdingsReport(ctx: Ctx) {
  const read = async (c: Ctx) => {
    const db = executor(c);
    const sums = await db
      .select({
        policyId: utxos.policyId,
        status: utxos.status,
        total: sql<string>`sum(${utxos.amountSat})::text`,
        count: sql<string>`count(*)::text`,
        // Proven: folded by a merkle branch to the header of its block, and in a block now.
        proven: sql<string>`coalesce(sum(${utxos.amountSat}) filter (where ${utxos.merkleProven} and ${utxos.status} <> 'unconfirmed'), 0)::text`,
      })
      .from(utxos)
      .where(notInArray(utxos.status, [...NOT_HELD_STATUSES]))
      .groupBy(utxos.policyId, utxos.status);
    const balances = await btcBalances(c, VAULT_PREFIX);
    return { sums, balances };
  };
  const { sums, balances } = ctx.tx
    ? await read(ctx)
    : await ctx.db.transaction(async (tx) => read({ ...ctx, tx: tx as never }), {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      });
  const policies = new Set<string>(sums.map((s) => s.policyId));
  for (const account of balances.keys()) {
    const parsed = parseAccount(account);
    if (parsed.kind === 'vault') policies.add(parsed.policyId);
  }
  const rows = [];
  const mismatches: string[] = [];
  let totalSat = 0n;
  for (const policyId of [...policies].sort()) {
    for (const status of HELD_STATUSES) {
      const account = assetAccount(policyId, status);
      const ledgerSat = balances.get(account) ?? 0n;
      const found = sums.find((s) => s.policyId === policyId && s.status === status);
      const utxoSat = found ? BigInt(found.total) : 0n;
      const count = found ? Number(found.count) : 0;
      const provenSat = found ? BigInt(found.proven) : 0n;
      if (ledgerSat === 0n && utxoSat === 0n && count === 0) continue;
      if (ledgerSat !== utxoSat) mismatches.push(`${account}: ledger ${ledgerSat} sat, UTXO set ${utxoSat} sat`);
      totalSat += ledgerSat;
      rows.push({
        policy_id: policyId,
        status,
        account,
        utxo_count: count,
        amount_sat: ledgerSat.toString(),
        amount_btc: formatBtc(ledgerSat),
        utxo_set_sat: utxoSat.toString(),
        proven_sat: provenSat.toString(),
        unproven_sat: (utxoSat - provenSat).toString(),
        consistent: ledgerSat === utxoSat,
      });
    }
  }
  return {
    holdings: rows,
    total_sat: totalSat.toString(),
    total_btc: formatBtc(totalSat),
    check: { ledger_equals_utxo_set: mismatches.length === 0, mismatches },
  };
}
