import { and, eq, gt, isNotNull, notInArray, or, type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Tx } from '../../db/client.js';
import { chainBlocks, utxoHistory, utxos } from '../../db/schema/payouts.js';
import { type Ctx, inTx } from '../context.js';
import { eventSourceId } from '../ids.js';
import { raiseAlert } from '../alerts/index.js';
import { formatBtc } from '../money/btc.js';
import {
  type BookedStatus,
  COINBASE_MATURITY,
  type CoinStatus,
  type KnownBlock,
  type LedgerStep,
  planTransition,
  postingsOf,
  type UtxoStatus,
} from './lifecycle.js';
import { type BtcEntry, receiptSeq } from './ledger-port.js';

// The coins' rows and their moves: every change of state writes its history row and posts
// its ledger entries in the caller's transaction, so the books follow the UTXO set exactly.

export type Utxo = typeof utxos.$inferSelect;

export const outpointOf = (coin: { txid: string; vout: bigint | number }) => `${coin.txid}:${coin.vout}`;

export interface MoveReason {
  reason: string;
  eventId: string;
  occurredAt: Date;
  /**
   * The ledger entry of another move that books this coin's arrival (a spend's settlement books its
   * change and transfers): named in the coin's history so its valid time is that entry's.
   */
  bookedBy?: { kind: string; source: { type: string; id: string } };
}

/** A ledger entry a move asks for, posted by the caller at the very end of its transaction. */
export type PlannedEntry = BtcEntry;

/**
 * Moves a coin to `to`: updates the row, appends its history, and returns the ledger entries
 * planTransition asks for. The caller posts them last in the same transaction (postBtcEntries):
 * the ledger's head and balance rows are then locked only for the final statements before
 * commit. `from` is null for a coin just inserted (its receipt is among the entries).
 */
export async function moveCoin(
  ctx: Ctx,
  tx: Tx,
  coin: Utxo,
  from: UtxoStatus | null,
  to: UtxoStatus,
  why: MoveReason,
  options: { rowIsCurrent?: boolean } = {},
): Promise<{ coin: Utxo; entries: PlannedEntry[] }> {
  const steps = planTransition(from, to, coin.receiptStatus as BookedStatus | null);
  if (from !== null && steps.length === 0) return { coin, entries: [] };
  const outpoint = outpointOf(coin);
  const entries: PlannedEntry[] = [];
  let receiptStatus = (from === null ? null : coin.receiptStatus) as BookedStatus | null;
  for (const step of steps) {
    if (step.kind === 'reverse_receipt') {
      const receipt = postingsOf({ kind: 'receipt', to: receiptStatus! }, coin);
      entries.push({
        kind: 'payout.orphaned',
        description: `${outpoint} orphaned, its receipt reversed: ${why.reason}`,
        occurredAt: why.occurredAt,
        source: { type: 'utxo', id: outpoint },
        postings: receipt.map((p) => ({ account: p.account, amount: -p.amount })),
        reverses: await receiptSeq(inTx(ctx, tx), outpoint),
      });
      continue;
    }
    entries.push(stepEntry(step, coin, why));
    if (step.kind === 'receipt') receiptStatus = step.to;
  }
  // A coin inserted a moment ago already carries its state (receiptStateOf): one statement less.
  const [updated] = options.rowIsCurrent
    ? [coin]
    : await tx
        .update(utxos)
        .set({ status: to, receiptStatus, updatedAt: new Date() })
        .where(and(eq(utxos.txid, coin.txid), eq(utxos.vout, coin.vout)))
        .returning();
  await tx.insert(utxoHistory).values({
    txid: coin.txid,
    vout: coin.vout,
    fromStatus: from,
    toStatus: to,
    reason: why.reason,
    eventId: why.eventId,
    ledgerRefs: entries.map((e) => ({ kind: e.kind, source_type: e.source.type, source_id: e.source.id })),
  });
  if (to === 'orphaned' && from !== null && coin.coinbase) await raiseOrphanedAlert(tx, coin, why);
  return { coin: updated!, entries };
}

/** The entry of one receipt or reclassification step of a coin's move. */
function stepEntry(step: Exclude<LedgerStep, { kind: 'reverse_receipt' }>, coin: Utxo, why: MoveReason): PlannedEntry {
  const outpoint = outpointOf(coin);
  const receipt = step.kind === 'receipt';
  return {
    kind: receipt ? 'payout.receipt' : 'payout.reclassify',
    description: receipt
      ? `${formatBtc(coin.amountSat)} BTC mined by ${coin.siteId} to ${coin.policyId} (${outpoint}), ${step.to}`
      : `${outpoint} ${step.from} -> ${step.to}: ${why.reason}`,
    occurredAt: why.occurredAt,
    source: receipt ? { type: 'utxo', id: outpoint } : { type: 'utxo_move', id: eventSourceId(outpoint, why.eventId) },
    postings: postingsOf(step, coin),
  };
}

/**
 * Moves recorded coins between booked states (no orphaning: its reversal reads the ledger) in one
 * statement: every row updated and every history row appended, where moveCoin takes two
 * statements a coin (a block event confirms a block's payouts and matures a coinbase at once).
 * Returns each coin's entries, in the order given.
 */
export async function moveBookedCoins(
  tx: Tx,
  moves: { coin: Utxo; from: UtxoStatus; to: Exclude<UtxoStatus, 'orphaned'> }[],
  why: MoveReason,
): Promise<PlannedEntry[][]> {
  const planned = moves.map(({ coin, from, to }) => {
    const steps = planTransition(from, to, coin.receiptStatus as BookedStatus | null);
    let receiptStatus = coin.receiptStatus as BookedStatus | null;
    const entries = steps.map((step) => {
      if (step.kind === 'reverse_receipt') throw new Error('coins: moveBookedCoins does not orphan');
      if (step.kind === 'receipt') receiptStatus = step.to;
      return stepEntry(step, coin, why);
    });
    return { coin, from, to, receiptStatus, entries };
  });
  const rows = planned
    .filter((m) => m.entries.length > 0)
    .map((m, n) => ({
      n,
      txid: m.coin.txid,
      vout: m.coin.vout.toString(),
      from_status: m.from,
      to_status: m.to,
      receipt_status: m.receiptStatus,
      refs: m.entries.map((e) => ({ kind: e.kind, source_type: e.source.type, source_id: e.source.id })),
    }));
  if (rows.length > 0) {
    await tx.execute(sql`with v as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as v(n int, txid text, vout bigint, from_status text, to_status text, receipt_status text, refs jsonb)),
      moved as (
        update utxos set status = v.to_status, receipt_status = v.receipt_status, updated_at = ${new Date().toISOString()}::timestamptz
        from v where utxos.txid = v.txid and utxos.vout = v.vout
        returning utxos.txid)
      insert into utxo_history (txid, vout, from_status, to_status, reason, event_id, ledger_refs)
      select txid, vout, from_status, to_status, ${why.reason}, ${why.eventId}, refs from v order by n`);
  }
  return planned.map((m) => m.entries);
}

/** A booked coinbase reward lost to a reorg: its block is gone, and so is the reward. */
async function raiseOrphanedAlert(tx: Tx, coin: Utxo, why: MoveReason) {
  const outpoint = outpointOf(coin);
  await raiseAlert(tx, {
    kind: 'block.orphaned',
    message: `the coinbase ${outpoint} of ${formatBtc(coin.amountSat)} BTC (site ${coin.siteId}) was orphaned: ${why.reason}`,
    details: {
      outpoint,
      block_hash: coin.blockHash,
      block_height: coin.blockHeight,
      policy_id: coin.policyId,
      site_id: coin.siteId,
      amount_sat: coin.amountSat.toString(),
    },
    source: `coin:${outpoint}`,
  });
}

export type NewUtxo = typeof utxos.$inferInsert & { receivedAt: Date; updatedAt: Date };

/** The receipt entry of a coin arriving in state `arrival` (none when it arrives orphaned). */
function arrivalEntries(coin: NewUtxo, arrival: UtxoStatus, why: MoveReason): PlannedEntry[] {
  const outpoint = outpointOf(coin);
  return planTransition(null, arrival, null).map((step) => ({
    kind: 'payout.receipt',
    description: `${formatBtc(coin.amountSat)} BTC mined by ${coin.siteId} to ${coin.policyId} (${outpoint}), ${arrival}`,
    occurredAt: why.occurredAt,
    source: { type: 'utxo', id: outpoint },
    postings: postingsOf(step as Extract<typeof step, { kind: 'receipt' }>, coin),
  }));
}

/**
 * Inserts a new coin and its first history row in one statement, unless the outpoint is already
 * recorded (then nothing is written and `inserted` is false). Returns the receipt to post.
 */
export async function insertArrival(
  tx: Tx,
  coin: NewUtxo,
  why: MoveReason,
  rawTxHex: string | null = null,
): Promise<{ inserted: boolean; coin: Utxo; entries: PlannedEntry[] }> {
  const arrival = coin.status as UtxoStatus;
  const entries = arrivalEntries(coin, arrival, why);
  const refs = [...entries, ...(why.bookedBy ? [why.bookedBy] : [])].map((e) => ({
    kind: e.kind,
    source_type: e.source.type,
    source_id: e.source.id,
  }));
  // One statement: the coin (unless its outpoint exists), only if it was inserted its history row,
  // and the raw transaction it was proven by (kept for a spend's non_witness_utxo, whatever the coin).
  const raw = rawTxHex?.toLowerCase() ?? null;
  const c = {
    pool: null,
    blockHeight: null,
    blockHash: null,
    rawTxProven: false,
    merkleProven: false,
    receiptStatus: null,
    periodStart: null,
    periodEnd: null,
    ...coin,
  };
  const rows = rowsOf(
    await executePrepared(
      tx,
      sql`
      with kept as (
        insert into utxo_transactions (txid, raw_tx_hex)
        select ${c.txid}, ${raw}::text where ${raw}::text is not null
        on conflict do nothing),
      inserted as (
        insert into utxos (txid, vout, policy_id, network, address, amount_sat, coinbase, site_id, pool, block_height, block_hash,
                           status, receipt_status, raw_tx_proven, merkle_proven, period_start, period_end, event_id, received_at, updated_at)
        values (${c.txid}, ${c.vout}, ${c.policyId}, ${c.network}, ${c.address}, ${c.amountSat}, ${c.coinbase}, ${c.siteId}, ${c.pool},
                ${c.blockHeight}, ${c.blockHash}, ${c.status}, ${c.receiptStatus}, ${c.rawTxProven}, ${c.merkleProven},
                ${c.periodStart?.toISOString() ?? null}::timestamptz, ${c.periodEnd?.toISOString() ?? null}::timestamptz, ${c.eventId},
                ${c.receivedAt.toISOString()}::timestamptz, ${c.updatedAt.toISOString()}::timestamptz)
        on conflict do nothing
        returning txid, vout)
      insert into utxo_history (txid, vout, from_status, to_status, reason, event_id, ledger_refs)
      select txid, vout, null, ${arrival}, ${why.reason}, ${why.eventId}, ${JSON.stringify(refs)}::jsonb from inserted
      returning seq`,
    ),
  );
  const row = c as Utxo;
  return { inserted: rows.length > 0, coin: row, entries: rows.length > 0 ? entries : [] };
}

/**
 * Runs raw SQL as a named statement, which postgres.js prepares once per connection (tx.execute
 * runs it unnamed: a Describe round trip before every execution). Drizzle names only the queries
 * of its builders, so this goes through its session, as its own execute() does.
 */
function executePrepared(tx: Tx, query: SQL): Promise<unknown> {
  const t = tx as unknown as {
    session: {
      prepareQuery(q: unknown, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> };
    };
    dialect: { sqlToQuery(q: SQL): unknown };
  };
  return t.session.prepareQuery(t.dialect.sqlToQuery(query), undefined, 'payouts_arrival', false).execute();
}

/** The receipt state a new coin in state `status` is booked to (none for one orphaned on arrival). */
export function receiptStateOf(status: UtxoStatus): BookedStatus | null {
  return status === 'orphaned' ? null : status;
}

export async function lockCoin(tx: Executor, txid: string, vout: bigint): Promise<Utxo | undefined> {
  const [row] = await tx
    .select()
    .from(utxos)
    .where(and(eq(utxos.txid, txid), eq(utxos.vout, vout)))
    .for('update');
  return row;
}

/**
 * The coins a block event can move, locked, with what is known of their block: those in the
 * block itself, and coinbase outputs close enough to the tip for their maturity to change.
 */
export async function lockCoinsNearTip(
  tx: Executor,
  blockHash: string,
  lowestTip: number,
): Promise<{ coin: Utxo; block: KnownBlock | null }[]> {
  const rows = await tx
    .select({
      coin: utxos,
      height: chainBlocks.height,
      connected: chainBlocks.connected,
      everDisconnected: chainBlocks.everDisconnected,
    })
    .from(utxos)
    .leftJoin(chainBlocks, eq(chainBlocks.hash, utxos.blockHash))
    .where(
      and(
        // Locked, spent and withdrawn coins move only by the spend verbs (holds.ts); a withdrawn one
        // has no block either (its settlement's was cleared).
        notInArray(utxos.status, ['orphaned', 'locked', 'spent', 'withdrawn']),
        isNotNull(utxos.blockHash),
        or(
          eq(utxos.blockHash, blockHash),
          and(eq(utxos.coinbase, true), gt(utxos.blockHeight, lowestTip - COINBASE_MATURITY)),
        ),
      ),
    )
    .orderBy(utxos.txid, utxos.vout)
    .for('update', { of: utxos });
  return rows.map((r) => ({
    coin: r.coin,
    block:
      r.height === null ? null : { height: r.height, connected: r.connected!, everDisconnected: r.everDisconnected! },
  }));
}

/** A payout that names this block at another height contradicts the block event. */
export async function coinClaimingOtherHeight(
  tx: Executor,
  blockHash: string,
  height: number,
): Promise<Utxo | undefined> {
  const [row] = await tx
    .select()
    .from(utxos)
    .where(and(eq(utxos.blockHash, blockHash), sql`${utxos.blockHeight} <> ${height}`))
    .limit(1);
  return row;
}

export function toUtxoView(coin: Utxo, tipHeight: number | null = null) {
  return {
    txid: coin.txid,
    vout: Number(coin.vout),
    outpoint: outpointOf(coin),
    policy_id: coin.policyId,
    network: coin.network,
    address: coin.address,
    amount_sat: coin.amountSat.toString(),
    amount_btc: formatBtc(coin.amountSat),
    coinbase: coin.coinbase,
    site_id: coin.siteId,
    pool: coin.pool,
    block_height: coin.blockHeight,
    block_hash: coin.blockHash,
    status: coin.status as CoinStatus,
    ...(tipHeight !== null
      ? {
          confirmations:
            coin.blockHeight === null || coin.status === 'orphaned' || coin.status === 'unconfirmed'
              ? 0
              : Math.max(0, tipHeight - coin.blockHeight + 1),
        }
      : {}),
    raw_tx_proven: coin.rawTxProven,
    // Only for a payout that names the production period it pays for.
    ...(coin.periodStart && coin.periodEnd
      ? { period_start: coin.periodStart.toISOString(), period_end: coin.periodEnd.toISOString() }
      : {}),
    received_at: coin.receivedAt.toISOString(),
    updated_at: coin.updatedAt.toISOString(),
  };
}

export type UtxoView = ReturnType<typeof toUtxoView>;
