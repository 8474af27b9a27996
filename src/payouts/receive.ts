import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { utxos } from '../../db/schema/payouts.js';
import { raiseAlert } from '../alerts/index.js';
import { type Ctx, inTx } from '../context.js';
import { conflict, DomainError, invalid } from '../errors.js';
import { type ChainView, findBlock, proofRequired, proveInBlock, readChain } from '../chain/index.js';
import {
  incomeTimeOf,
  knownBlock,
  lockCoin,
  moveCoin,
  outpointOf,
  type PlannedEntry,
  receiptStateOf,
  receiveCoin,
  SETTLED_SITE,
  statusOf,
  toUtxoView,
  type Utxo,
  UTXO_STATUSES,
  type UtxoStatus,
} from '../coins/index.js';
import type { PayoutData } from './events.js';
import { noteAddressUsed, ownerOf, siteIsKnown } from './ports.js';
import { disproveByRawTx } from './proof.js';

// payout.received: a coin the fleet says was paid to one of the reserve's addresses.

export type PayoutOutcome =
  | { kind: 'recorded'; result: Record<string, unknown>; entries: PlannedEntry[] }
  | { kind: 'foreign'; problem: DomainError };

/** The facts that identify a payout; a second report of the outpoint must agree on every one. */
function disagreements(coin: Utxo, data: PayoutData, policyId: string): string[] {
  const differ: string[] = [];
  // A spend's change or transfer, settled by Reserve: the fleet that saw the output names its own site.
  const settled = coin.siteId === SETTLED_SITE;
  if (!settled && coin.siteId !== data.siteId) differ.push('site_id');
  if (!settled && (coin.pool ?? null) !== data.pool) differ.push('pool');
  if (coin.address !== data.address || coin.policyId !== policyId) differ.push('address');
  if (coin.amountSat !== data.amountSat) differ.push('amount');
  if (coin.coinbase !== data.coinbase) differ.push('coinbase');
  if (
    coin.blockHash !== null &&
    data.block !== null &&
    (coin.blockHash !== data.block.hash || coin.blockHeight !== data.block.height)
  )
    differ.push('block');
  // The period decided where the receipt was booked: a second report must name the same one, or none.
  if (
    data.period !== null &&
    (coin.periodStart?.getTime() !== data.period.start.getTime() ||
      coin.periodEnd?.getTime() !== data.period.end.getTime())
  )
    differ.push('period');
  return differ;
}

/** `chain`: the tip and blocks read once for a group of payouts (the chain cannot move under the shared lock). */
export async function receivePayout(
  ctx: Ctx,
  tx: Tx,
  event: { id: string; occurredAt: Date; data: PayoutData },
  chain?: ChainView,
): Promise<PayoutOutcome> {
  const { data } = event;
  const txCtx = inTx(ctx, tx);
  const found = await ownerOf({ ctx: txCtx, input: { address: data.address } });
  if (!found) {
    const alert = await raiseAlert(tx, {
      kind: 'payout.foreign_address',
      severity: 'critical',
      message: `the fleet reported a payout to ${data.address}, an address no custody policy controls`,
      details: {
        address: data.address,
        site_id: data.siteId,
        pool: data.pool,
        outpoint: `${data.txid}:${data.vout}`,
        amount_sat: data.amountSat.toString(),
      },
      source: `webhook:${event.id}`,
    });
    const problem = new DomainError(
      'validation_failed',
      `data.address: ${data.address} is not an address of any custody policy; alert ${alert.id} raised`,
      {
        errors: [{ field: 'data.address', reason: 'not an address of any custody policy (foreign address)' }],
        extra: { alert_id: alert.id },
      },
    );
    return { kind: 'foreign', problem };
  }
  const { owner, firstSeen } = found;
  // Sites are known before they earn: no income account for a site nobody registered.
  if (!(await siteIsKnown(txCtx, tx, data.siteId)))
    throw invalid('data.site_id', `unknown site ${data.siteId}: register it first with POST /v1/sites`);
  if (data.rawTxHex !== null) {
    const reason = disproveByRawTx(data.rawTxHex, {
      txid: data.txid,
      vout: data.vout,
      amountSat: data.amountSat,
      coinbase: data.coinbase,
      scriptPubKey: owner.scriptPubKey,
    });
    if (reason) throw invalid('data.raw_tx_hex', `does not prove the payout: it ${reason}`);
  }
  const claimed = data.block?.hash ?? null;
  const view =
    chain && (claimed === null || chain.blocks.has(claimed)) ? chain : await readChain(tx, claimed ? [claimed] : []);
  const { tip } = view;
  const block = claimed ? view.blocks.get(claimed) : undefined;
  const merkleProven = await checkProof(tx, data, owner.network, claimed ? view.headers.get(claimed) : undefined);
  if (block && data.block && block.height !== data.block.height) {
    throw conflict(`block ${block.hash} is at height ${block.height}, not ${data.block.height}`);
  }
  // Every refusal of a new payout comes before this point: in a group, an item writes nothing before it is accepted.
  // The raw transaction (disproveByRawTx checked its txid) is kept by the coin's own insert, for
  // the PSBT of a spend of this coin (non_witness_utxo); rolled back with a refused payout.
  const vout = BigInt(data.vout);
  const arrival = statusOf(
    { coinbase: data.coinbase, blockHash: data.block?.hash ?? null },
    knownBlock(block),
    tip?.height ?? null,
  );
  const why = { reason: 'payout.received', eventId: event.id, occurredAt: event.occurredAt };
  const now = new Date();
  const arrived = await receiveCoin({
    ctx: txCtx,
    input: {
      coin: {
        txid: data.txid,
        vout,
        policyId: owner.policyId,
        network: owner.network,
        address: data.address,
        amountSat: data.amountSat,
        coinbase: data.coinbase,
        siteId: data.siteId,
        pool: data.pool,
        blockHeight: data.block?.height ?? null,
        blockHash: data.block?.hash ?? null,
        status: arrival,
        receiptStatus: receiptStateOf(arrival),
        rawTxProven: data.rawTxHex !== null,
        merkleProven,
        periodStart: data.period?.start ?? null,
        periodEnd: data.period?.end ?? null,
        eventId: event.id,
        receivedAt: now,
        updatedAt: now,
      },
      why: {
        ...why,
        reason: arrival === 'orphaned' ? 'payout.received in a disconnected block' : why.reason,
        occurredAt: incomeTimeOf(data.period, block, event.occurredAt),
      },
      rawTxHex: data.rawTxHex,
    },
  });
  let coin: Utxo;
  let entries: PlannedEntry[] = [];
  if (arrived.inserted) {
    ({ coin, entries } = arrived);
    // Marking the address used locks its row: done once per address and process, not per payout.
    if (firstSeen) await noteAddressUsed({ ctx: txCtx, input: { address: data.address } });
  } else {
    let existing = (await lockCoin(tx, data.txid, vout))!;
    // An ordinary payment re-mined in another block after a reorg: a normal move, not a conflict.
    const reMined = await reMinedBlock(tx, existing, data);
    // Refused before any write of this item (a group goes on without it).
    const differ = disagreements(existing, data, owner.policyId).filter((f) => !(reMined && f === 'block'));
    if (differ.length > 0) {
      throw conflict(
        `${outpointOf(existing)} was already reported with other facts (${differ.join(', ')}); a payout is never overwritten`,
        { differing_fields: differ },
      );
    }
    if (reMined) ({ coin: existing, entries } = await moveToBlock(ctx, tx, existing, data, tip?.height ?? null, why));
    if (merkleProven && !existing.merkleProven) existing = (await markProven(tx, existing))!;
    coin = existing;
    const learnsBlock = existing.blockHash === null && data.block !== null;
    const learnsProof = !existing.rawTxProven && data.rawTxHex !== null;
    if (learnsBlock || learnsProof) {
      const [updated] = await tx
        .update(utxos)
        .set({
          ...(learnsBlock ? { blockHash: data.block!.hash, blockHeight: data.block!.height } : {}),
          ...(learnsProof ? { rawTxProven: true } : {}),
          updatedAt: new Date(),
        })
        .where(sqlOutpoint(existing))
        .returning();
      coin = updated!;
      // A locked or spent coin moves only by the spend verbs.
      if (learnsBlock && (UTXO_STATUSES as readonly string[]).includes(coin.status)) {
        const to = statusOf(
          { coinbase: coin.coinbase, blockHash: coin.blockHash },
          knownBlock(block),
          tip?.height ?? null,
        );
        ({ coin, entries } = await moveCoin(ctx, tx, coin, coin.status as UtxoStatus, to, {
          ...why,
          reason: 'payout.received names its block',
        }));
      }
    }
  }
  return { kind: 'recorded', result: { utxo: toUtxoView(coin) }, entries };
}

/** Verifies a payout's merkle proof against its block's header; refuses a missing one where required. */
async function checkProof(
  tx: Tx,
  data: PayoutData,
  network: string,
  header: { headerHex: string; height: number } | undefined,
): Promise<boolean> {
  const proof = data.proof ?? null;
  if (proof === null) {
    if (data.block !== null && proofRequired(network)) {
      const missing = data.rawTxHex === null ? 'data.raw_tx_hex' : 'data.merkle_branch';
      throw invalid(
        missing,
        'is required: PAYOUT_PROOF is required for this policy (raw_tx_hex, tx_index, merkle_branch)',
      );
    }
    return false;
  }
  const proven = await proveInBlock(
    tx,
    {
      blockHash: data.block!.hash,
      blockHeight: data.block!.height,
      rawTxHex: data.rawTxHex!,
      txIndex: proof.txIndex,
      merkleBranch: proof.merkleBranch,
    },
    header,
  );
  if (proven.coinbase !== data.coinbase)
    throw invalid(
      'data.tx_index',
      `index ${proof.txIndex} ${proven.coinbase ? 'is' : 'is not'} the coinbase's, but coinbase is ${data.coinbase}`,
    );
  return true;
}

async function markProven(tx: Tx, coin: Utxo) {
  const [updated] = await tx.update(utxos).set({ merkleProven: true }).where(sqlOutpoint(coin)).returning();
  return updated;
}

/** The new block, when an ordinary coin's recorded block left the best chain and the payout names another. */
async function reMinedBlock(tx: Tx, coin: Utxo, data: PayoutData): Promise<boolean> {
  if (coin.coinbase || data.coinbase || coin.blockHash === null || data.block === null) return false;
  if (coin.blockHash === data.block.hash) return false;
  if (!(UTXO_STATUSES as readonly string[]).includes(coin.status)) return false;
  const old = await findBlock(tx, coin.blockHash);
  return old !== undefined && !old.connected;
}

async function moveToBlock(
  ctx: Ctx,
  tx: Tx,
  coin: Utxo,
  data: PayoutData,
  tipHeight: number | null,
  why: { reason: string; eventId: string; occurredAt: Date },
): Promise<{ coin: Utxo; entries: PlannedEntry[] }> {
  const [updated] = await tx
    .update(utxos)
    .set({ blockHash: data.block!.hash, blockHeight: data.block!.height, updatedAt: new Date() })
    .where(sqlOutpoint(coin))
    .returning();
  const block = await findBlock(tx, data.block!.hash);
  const to = statusOf({ coinbase: false, blockHash: data.block!.hash }, knownBlock(block), tipHeight);
  if (to === updated!.status) return { coin: updated!, entries: [] };
  return moveCoin(ctx, tx, updated!, updated!.status as UtxoStatus, to, {
    ...why,
    reason: `payout.received: re-mined in block ${data.block!.height} ${data.block!.hash} after a reorg`,
  });
}

function sqlOutpoint(coin: Utxo) {
  return and(eq(utxos.txid, coin.txid), eq(utxos.vout, coin.vout));
}
