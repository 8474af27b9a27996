import { Transaction } from 'bitcoinjs-lib';
import { and, eq, isNotNull, type SQL } from 'drizzle-orm';
import { spendSettlements } from '../../db/schema/spends.js';
import { raiseAlert } from '../alerts/index.js';
import { audit } from '../audit/index.js';
import { findBlock, headerOf, parseHeaderHex, proofRequired, proveInBlock, readTip } from '../chain/index.js';
import {
  knownBlock,
  lastMovedAt,
  markSpent,
  outpointOf,
  receiveCoin,
  SETTLED_SITE,
  spendEntryRef,
  statusOf,
} from '../coins/index.js';
import { type Ctx, inTx, type Verb, withTransaction } from '../context.js';
import { invalid } from '../errors.js';
import { NETWORK_FEES, UNACCOUNTED, vaultAccount } from '../ledger/index.js';
import { namedCoins } from './coin-query.js';
import { endSpend } from './expire.js';
import { liveSpendsHolding, lockSpend, type SpendRecord, setState, spendByTxid } from './store.js';

// Settlement from the chain (the fleet's tx.confirmed): a confirmed transaction that spends vault coins,
// proven by its merkle branch to the header of its block where PAYOUT_PROOF asks for it, in a block of
// the best chain. Reserve's own spend: its inputs become spent in one ledger entry (the fee to
// NetworkFees, external outputs to the spend's account, vault outputs to the receiving vault's account)
// and its vault outputs (change, transfers) become coins of those vaults. Anyone else's: a critical
// alert, the coins spent, every live spend holding them invalidated, the outflow booked to Unaccounted:
// the books follow the chain and the gap shows. Both are booked at the block's time (settledAt, foreignAt).
// Each settlement is a spend_settlements row, which a reorg of its block undoes, and which is applied
// again when that block is connected again (reorg.ts, resettle below).

export interface TxConfirmed {
  txid: string;
  rawTxHex: string;
  blockHeight: number;
  blockHash: string;
  eventId: string;
  /** The transaction's merkle branch to block_hash's header (tx.confirmed's tx_index, merkle_branch). */
  proof?: { txIndex: number; merkleBranch: string[] } | null;
}

export type Settlement =
  | { outcome: 'not_ours' }
  | { outcome: 'settled' | 'already_settled'; spendId: string }
  | { outcome: 'unauthorised'; alertId: string; invalidated: string[] };

type VaultCoins = Awaited<ReturnType<typeof namedCoins>>;
/** What booking a settlement needs of its transaction and block (a tx.confirmed, or a settlement restored). */
type Confirmation = Pick<TxConfirmed, 'txid' | 'blockHeight' | 'blockHash' | 'eventId'>;
type SettlementRow = typeof spendSettlements.$inferSelect;

/** The block holds the transaction (its proof checked, or refused missing where required) and is connected. */
async function checkBlock(ctx: Ctx, input: TxConfirmed, coins: VaultCoins) {
  const dbTx = ctx.tx!;
  if (input.proof) {
    const proven = await proveInBlock(dbTx, {
      blockHash: input.blockHash,
      blockHeight: input.blockHeight,
      rawTxHex: input.rawTxHex,
      txIndex: input.proof.txIndex,
      merkleBranch: input.proof.merkleBranch,
    });
    if (proven.coinbase) throw invalid('data.tx_index', 'is the coinbase of the block, which spends no vault coin');
  } else if (coins.some((c) => proofRequired(c.network))) {
    throw invalid(
      'data.merkle_branch',
      'is required: PAYOUT_PROOF is required for this vault (tx_index and merkle_branch to the header of block_hash)',
    );
  }
  const block = await findBlock(dbTx, input.blockHash);
  if (!block?.connected)
    throw invalid(
      'data.block_hash',
      `block ${input.blockHash} is not on the best chain Reserve knows: send its block.connected first`,
    );
  if (block.height !== input.blockHeight)
    throw invalid('data.block_height', `block ${input.blockHash} is at height ${block.height}`);
  return block;
}

export async function settleTransaction({ ctx, input }: Verb<TxConfirmed>): Promise<Settlement> {
  const tx = Transaction.fromHex(input.rawTxHex);
  if (tx.getId() !== input.txid) throw invalid('data.raw_tx_hex', `is transaction ${tx.getId()}, not ${input.txid}`);
  return withTransaction(ctx, async (dbTx) => {
    const c = inTx(ctx, dbTx);
    const prevouts = tx.ins.map((i) => ({ txid: Buffer.from(i.hash).reverse().toString('hex'), vout: i.index }));
    const vaultCoins = (await namedCoins(c, prevouts)).filter((r) => r.status !== 'orphaned');
    if (vaultCoins.length === 0) return { outcome: 'not_ours' };
    const row = await spendByTxid(dbTx, input.txid);
    if (row) {
      const record = await lockSpend(dbTx, row.id);
      if (record.spend.state === 'confirmed') return { outcome: 'already_settled', spendId: row.id };
      await checkBlock(c, input, vaultCoins);
      await settleOwn(c, record, input);
      return { outcome: 'settled', spendId: row.id };
    }
    // Coins already spent, or withdrawn (their own transaction off the chain for now): nothing to book.
    if (vaultCoins.every((v) => v.status === 'spent' || v.status === 'withdrawn')) return { outcome: 'not_ours' };
    await checkBlock(c, input, vaultCoins);
    return settleForeign(c, vaultCoins, input);
  });
}

async function recordSettlement(
  ctx: Ctx,
  input: Confirmation,
  row: { spendId: string | null; holder: string; eventId: string; inputs: string[]; vaultOutputs: string[] },
) {
  await ctx.tx!.insert(spendSettlements).values({
    txid: input.txid,
    blockHash: input.blockHash,
    blockHeight: input.blockHeight,
    ...row,
  });
}

/** Each vault output becomes a coin of its vault (or, withdrawn by a reorg, comes back); the settlement's legs. */
async function vaultOutputsOf(ctx: Ctx, record: SpendRecord, input: Confirmation, at: Date) {
  const block = knownBlock(await findBlock(ctx.tx!, input.blockHash));
  const tip = await readTip(ctx.tx!);
  const legs: { account: string; amount_sat: string }[] = [];
  const outpoints: string[] = [];
  const restore: string[] = [];
  const now = new Date();
  for (const out of record.outputs) {
    if (out.kind === 'external') {
      legs.push({ account: record.spend.account, amount_sat: out.amountSat.toString() });
      continue;
    }
    // A vault output becomes a coin of its vault, booked by the settlement (not as mining income).
    const status = statusOf({ coinbase: false, blockHash: input.blockHash }, block, tip?.height ?? null);
    const arrived = await receiveCoin({
      ctx,
      input: {
        coin: {
          txid: input.txid,
          vout: BigInt(out.vout),
          policyId: out.destPolicyId!,
          network: (await networkOf(ctx, out.destPolicyId!)) ?? 'regtest',
          address: out.address,
          amountSat: out.amountSat,
          coinbase: false,
          siteId: SETTLED_SITE,
          blockHeight: input.blockHeight,
          blockHash: input.blockHash,
          status,
          receiptStatus: status === 'orphaned' ? null : status,
          rawTxProven: true,
          eventId: input.eventId,
          receivedAt: now,
          updatedAt: now,
        },
        why: {
          reason: `${out.kind} of spend ${record.spend.id}`,
          eventId: input.eventId,
          occurredAt: at,
          // Booked by the settlement's entry (markSpent, same event id): the coin arrives when it does.
          bookedBy: spendEntryRef(record.spend.id, input.eventId.slice(0, 128)),
        },
      },
    });
    const outpoint = outpointOf({ txid: input.txid, vout: out.vout });
    outpoints.push(outpoint);
    if (!arrived.inserted) restore.push(outpoint);
    legs.push({
      account: vaultAccount(out.destPolicyId!, status as 'available'),
      amount_sat: out.amountSat.toString(),
    });
  }
  return { legs, outpoints, restore };
}

/**
 * A settlement's valid time (docs/reports.md): the confirming block's header time, so a tx.confirmed
 * delivered late books it when the chain did, but never before `notBefore` (the last recorded move of
 * what it books, so a coin's history keeps its order); recorded now when the block has no header, or
 * when a reorg undid an earlier settlement of the same holder (`undone` selects those rows).
 */
async function blockTimeOf(
  ctx: Ctx,
  input: Confirmation,
  undone: SQL,
  notBefore: () => Promise<number>,
  now: Date,
): Promise<Date> {
  const [earlier] = await ctx
    .tx!.select({ seq: spendSettlements.seq })
    .from(spendSettlements)
    .where(and(undone, isNotNull(spendSettlements.undoneAt)))
    .limit(1);
  const header = await headerOf(ctx.tx!, input.blockHash);
  if (earlier || !header) return now;
  return new Date(Math.max(parseHeaderHex(header.headerHex).time * 1000, await notBefore()));
}

/** A spend of Reserve's: never before its own last step (its coins were locked at the proposal, by the recorded clock). */
function settledAt(ctx: Ctx, record: SpendRecord, input: Confirmation, now: Date): Promise<Date> {
  const { createdAt, approvedAt, signedAt, broadcastAt } = record.spend;
  const steps = [createdAt, approvedAt, signedAt, broadcastAt].filter((d): d is Date => d instanceof Date);
  return blockTimeOf(
    ctx,
    input,
    eq(spendSettlements.spendId, record.spend.id),
    async () => Math.max(...steps.map((d) => d.getTime())),
    now,
  );
}

async function settleOwn(ctx: Ctx, record: SpendRecord, input: Confirmation, restoring?: SettlementRow) {
  const dbTx = ctx.tx!;
  const now = new Date();
  const at = await settledAt(ctx, record, input, now);
  const vault = await vaultOutputsOf(ctx, record, input, at);
  const eventId = input.eventId.slice(0, 128);
  const inputs = record.inputs.map((i) => `${i.txid}:${i.vout}`);
  await markSpent({
    ctx,
    input: {
      outpoints: inputs,
      spendId: record.spend.id,
      eventId,
      settlement: {
        description: `spend ${record.spend.id} confirmed in ${input.blockHash} (${record.spend.purpose})`.slice(
          0,
          1000,
        ),
        postings: [{ account: NETWORK_FEES, amount_sat: record.spend.feeSat.toString() }, ...vault.legs],
      },
      restore: vault.restore,
      block: { hash: input.blockHash, height: input.blockHeight },
      occurredAt: at,
    },
  });
  await recordSettlement(ctx, input, {
    spendId: record.spend.id,
    holder: record.spend.id,
    eventId,
    inputs,
    vaultOutputs: vault.outpoints,
  });
  if (record.spend.state === 'signed') {
    // Seen in a block before anyone reported it sent: the chain says it was broadcast.
    await setState(dbTx, record.spend.id, 'broadcast', { broadcastAt: now });
  }
  await setState(dbTx, record.spend.id, 'confirmed', {
    blockHash: input.blockHash,
    blockHeight: input.blockHeight,
    confirmedAt: now,
  });
  await audit(dbTx, ctx, {
    action: 'spends.confirmed',
    target: record.spend.id,
    details: {
      txid: input.txid,
      block_hash: input.blockHash,
      block_height: input.blockHeight,
      // Re-applied when its block was connected again, from the settlement a reorg had undone.
      ...(restoring ? { restored_settlement: restoring.seq.toString() } : {}),
    },
  });
}

async function networkOf(ctx: Ctx, policyId: string) {
  const { getPolicy } = await import('../policies/index.js');
  return (await getPolicy(ctx, policyId)).network;
}

async function settleForeign(ctx: Ctx, coins: VaultCoins, input: TxConfirmed): Promise<Settlement> {
  const dbTx = ctx.tx!;
  const invalidated = await invalidateHolders(ctx, coins, input.txid);
  const held = coins.filter((c) => c.status === 'available' || c.status === 'locked');
  const total = held.reduce((s, c) => s + c.valueSat, 0n);
  const alert = await raiseAlert(dbTx, {
    kind: 'spend.unauthorised',
    severity: 'critical',
    message: `transaction ${input.txid} spent ${held.length} vault coin(s) (${total} sat) and is no spend of Reserve's: keys were used outside the process`,
    details: {
      txid: input.txid,
      block_hash: input.blockHash,
      outpoints: coins.map((c) => `${c.txid}:${c.vout}`),
      amount_sat: total.toString(),
      invalidated,
    },
    source: `tx.confirmed:${input.eventId}`,
  });
  if (held.length > 0) await bookForeign(ctx, held, input);
  await audit(dbTx, ctx, {
    action: 'spends.unauthorised',
    target: input.txid,
    details: { alert_id: alert.id, invalidated },
  });
  return { outcome: 'unauthorised', alertId: alert.id, invalidated };
}

/** Every live spend holding one of these coins ends `invalidated` (and releases its coins). */
async function invalidateHolders(ctx: Ctx, coins: VaultCoins, txid: string): Promise<string[]> {
  const dbTx = ctx.tx!;
  const invalidated = await liveSpendsHolding(
    dbTx,
    coins.map((c) => ({ txid: c.txid, vout: BigInt(c.vout) })),
  );
  for (const id of invalidated) {
    const record = await lockSpend(dbTx, id);
    await endSpend(ctx, record, 'invalidated', `its coin was spent by ${txid}, no spend of Reserve's`);
  }
  return invalidated;
}

const foreignHolder = (txid: string) => `unauthorised-${txid.slice(0, 16)}`;

/**
 * An outflow outside Reserve: never before the coins' latest recorded move (a spend that held them,
 * invalidated now, released them when recorded: the outflow then follows the release, so the rewound UTXO
 * set and the ledger agree at every instant).
 */
function foreignAt(ctx: Ctx, coins: VaultCoins, input: Confirmation, now: Date): Promise<Date> {
  return blockTimeOf(
    ctx,
    input,
    eq(spendSettlements.holder, foreignHolder(input.txid)),
    async () => (await lastMovedAt(ctx, coins))?.getTime() ?? 0,
    now,
  );
}

/** The coins spent, their outflow to Unaccounted, and the settlement's row (after the holders ended). */
async function bookForeign(ctx: Ctx, held: VaultCoins, input: Confirmation) {
  const holder = foreignHolder(input.txid);
  const eventId = input.eventId.slice(0, 128);
  const outpoints = held.map((c) => `${c.txid}:${c.vout}`);
  const total = held.reduce((s, c) => s + c.valueSat, 0n);
  const at = await foreignAt(ctx, held, input, new Date());
  await recordSettlement(ctx, input, { spendId: null, holder, eventId, inputs: outpoints, vaultOutputs: [] });
  await markSpent({
    ctx,
    input: {
      outpoints,
      spendId: holder,
      eventId,
      settlement: {
        description: `vault coins spent outside Reserve by ${input.txid}`,
        postings: [{ account: UNACCOUNTED, amount_sat: total.toString() }],
      },
      occurredAt: at,
    },
  });
}

/**
 * A settlement a reorg undid, applied again because its block is connected again (reorg.ts): the
 * transaction, its block and what it spent were proven when it was first settled, and the block's
 * hash commits to the same header and merkle root, so nothing new is asked of the fleet. Reserve's
 * spend (still `broadcast`) settles as from its tx.confirmed; a transaction outside Reserve spends
 * again those of its coins that are held (its alert stays raised from the first time). Returns false
 * when there is nothing to apply (the spend ended meanwhile, or no coin is held any more).
 */
export async function resettle(ctx: Ctx, row: SettlementRow, eventId: string): Promise<boolean> {
  const dbTx = ctx.tx!;
  const input: Confirmation = { txid: row.txid, blockHeight: row.blockHeight, blockHash: row.blockHash, eventId };
  if (row.spendId) {
    const record = await lockSpend(dbTx, row.spendId);
    if (record.spend.state !== 'broadcast' && record.spend.state !== 'signed') return false;
    await settleOwn(ctx, record, input, row);
    return true;
  }
  const named = row.inputs.map((o) => {
    const [txid, vout] = o.split(':') as [string, string];
    return { txid, vout: Number(vout) };
  });
  const coins = await namedCoins(ctx, named);
  await invalidateHolders(ctx, coins, row.txid);
  const held = coins.filter((c) => c.status === 'available' || c.status === 'locked');
  if (held.length === 0) return false;
  await bookForeign(ctx, held, input);
  await audit(dbTx, ctx, {
    action: 'spends.unauthorised',
    target: row.txid,
    details: { block_hash: row.blockHash, restored_settlement: row.seq.toString() },
  });
  return true;
}
