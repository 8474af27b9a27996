import { Transaction } from 'bitcoinjs-lib';
import { raiseAlert } from '../alerts/index.js';
import { audit } from '../audit/index.js';
import { findBlock, readTip } from '../chain/index.js';
import { knownBlock, markSpent, receiveCoin, statusOf } from '../coins/index.js';
import { type Ctx, inTx, type Verb, withTransaction } from '../context.js';
import { invalid } from '../errors.js';
import { NETWORK_FEES, UNACCOUNTED, vaultAccount } from '../ledger/index.js';
import { namedCoins } from './coin-query.js';
import { endSpend } from './expire.js';
import { liveSpendsHolding, lockSpend, type SpendRecord, setState, spendByTxid } from './store.js';

// Settlement from the chain (the fleet's tx.confirmed): a confirmed transaction that spends vault coins.
// Reserve's own spend: its inputs become spent in one ledger entry (the fee to NetworkFees, external outputs
// to the spend's account, vault outputs to the receiving vault's account for their state) and its vault
// outputs (change, transfers) become coins of those vaults. Anyone else's: a critical alert, the coins
// spent, every live spend holding them invalidated, the outflow booked to Unaccounted: the books follow
// the chain and the gap shows. Not yet: undoing a settlement when its block is disconnected.

export interface TxConfirmed {
  txid: string;
  rawTxHex: string;
  blockHeight: number;
  blockHash: string;
  eventId: string;
}

export type Settlement =
  | { outcome: 'not_ours' }
  | { outcome: 'settled' | 'already_settled'; spendId: string }
  | { outcome: 'unauthorised'; alertId: string; invalidated: string[] };

export async function settleTransaction({ ctx, input }: Verb<TxConfirmed>): Promise<Settlement> {
  const tx = Transaction.fromHex(input.rawTxHex);
  if (tx.getId() !== input.txid) throw invalid('data.raw_tx_hex', `is transaction ${tx.getId()}, not ${input.txid}`);
  return withTransaction(ctx, async (dbTx) => {
    const c = inTx(ctx, dbTx);
    const prevouts = tx.ins.map((i) => ({ txid: Buffer.from(i.hash).reverse().toString('hex'), vout: i.index }));
    const vaultCoins = (await namedCoins(dbTx, prevouts)).filter((r) => r.status !== 'orphaned');
    if (vaultCoins.length === 0) return { outcome: 'not_ours' };
    const row = await spendByTxid(dbTx, input.txid);
    if (row) {
      const record = await lockSpend(dbTx, row.id);
      if (record.spend.state === 'confirmed') return { outcome: 'already_settled', spendId: row.id };
      await settleOwn(c, record, tx, input);
      return { outcome: 'settled', spendId: row.id };
    }
    return settleForeign(c, vaultCoins, input);
  });
}

async function settleOwn(ctx: Ctx, record: SpendRecord, tx: Transaction, input: TxConfirmed) {
  const dbTx = ctx.tx!;
  const block = knownBlock(await findBlock(dbTx, input.blockHash));
  const tip = await readTip(dbTx);
  const legs: { account: string; amount_sat: string }[] = [
    { account: NETWORK_FEES, amount_sat: record.spend.feeSat.toString() },
  ];
  const now = new Date();
  for (const out of record.outputs) {
    if (out.kind === 'external') {
      legs.push({ account: record.spend.account, amount_sat: out.amountSat.toString() });
      continue;
    }
    // A vault output becomes a coin of its vault, booked here (not as mining income).
    const facts = { coinbase: false, blockHash: input.blockHash };
    const status = statusOf(facts, block, tip?.height ?? null);
    await receiveCoin({
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
          siteId: 'reserve',
          blockHeight: input.blockHeight,
          blockHash: input.blockHash,
          status,
          receiptStatus: status === 'orphaned' ? null : status,
          rawTxProven: true,
          eventId: input.eventId,
          receivedAt: now,
          updatedAt: now,
        },
        why: { reason: `${out.kind} of spend ${record.spend.id}`, eventId: input.eventId, occurredAt: now },
      },
    });
    legs.push({
      account: vaultAccount(out.destPolicyId!, status as 'available'),
      amount_sat: out.amountSat.toString(),
    });
  }
  await markSpent({
    ctx,
    input: {
      outpoints: record.inputs.map((i) => `${i.txid}:${i.vout}`),
      spendId: record.spend.id,
      eventId: input.eventId.slice(0, 128),
      settlement: {
        description: `spend ${record.spend.id} confirmed in ${input.blockHash} (${record.spend.purpose})`.slice(
          0,
          1000,
        ),
        postings: legs,
      },
    },
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
    details: { txid: input.txid, block_hash: input.blockHash, block_height: input.blockHeight },
  });
  void tx;
}

async function networkOf(ctx: Ctx, policyId: string) {
  const { getPolicy } = await import('../policies/index.js');
  return (await getPolicy(ctx, policyId)).network;
}

async function settleForeign(
  ctx: Ctx,
  coins: Awaited<ReturnType<typeof namedCoins>>,
  input: TxConfirmed,
): Promise<Settlement> {
  const dbTx = ctx.tx!;
  const invalidated = await liveSpendsHolding(
    dbTx,
    coins.map((c) => ({ txid: c.txid, vout: c.vout })),
  );
  for (const id of invalidated) {
    const record = await lockSpend(dbTx, id);
    await endSpend(ctx, record, 'invalidated', `its coin was spent by ${input.txid}, no spend of Reserve's`);
  }
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
  if (held.length > 0) {
    await markSpent({
      ctx,
      input: {
        outpoints: held.map((c) => `${c.txid}:${c.vout}`),
        spendId: `unauthorised-${input.txid.slice(0, 16)}`,
        eventId: input.eventId.slice(0, 128),
        settlement: {
          description: `vault coins spent outside Reserve by ${input.txid}`,
          postings: [{ account: UNACCOUNTED, amount_sat: total.toString() }],
        },
      },
    });
  }
  await audit(dbTx, ctx, {
    action: 'spends.unauthorised',
    target: input.txid,
    details: { alert_id: alert.id, invalidated },
  });
  return { outcome: 'unauthorised', alertId: alert.id, invalidated };
}
