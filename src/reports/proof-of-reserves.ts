// Proof of reserves: the custody policies' descriptors, every address holding coins with its
// UTXOs, the total, the chain tip and the ledger head hash, so that anyone with a node can
// check the holdings on chain (scantxoutset with the descriptors, gettxout per outpoint).
import { type Ctx, executor } from '../context.js';
import { reportCheckpoint, verifyLedger } from '../ledger/index.js';
import { formatBtc } from '../money/btc.js';
import { getTip, tipAsOf } from '../chain/index.js';
import { type CoinStatus, listUtxos, listUtxosAsOf, type Utxo } from '../coins/index.js';
import { policyDescriptors } from '../policies/index.js';
import { documentOf, listPolicies } from '../policies/index.js';

const HELD: readonly CoinStatus[] = ['unconfirmed', 'immature', 'available', 'locked'];
// What a node finds at its height (scantxoutset, gettxout): confirmed outputs of the best chain.
// An unconfirmed coin is in no block yet, an orphaned one never was: neither is in the total.
const IN_TOTAL = new Set(['immature', 'available', 'locked']);
const PAGE = 1000;

type Coin = {
  policy_id: string;
  address: string;
  txid: string;
  vout: number;
  amount_sat: bigint;
  status: string;
  block_height: number | null;
  coinbase: boolean;
  merkle_proven: boolean;
};

/** The coins held now, or as of `asOf` (valid time), as far as recorded by `knownAt` when given. */
async function heldCoins(ctx: Ctx, asOf: Date | null, knownAt?: Date): Promise<Coin[]> {
  const coins: Coin[] = [];
  const push = (r: Utxo, status: string) =>
    coins.push({
      policy_id: r.policyId,
      address: r.address,
      txid: r.txid,
      vout: Number(r.vout),
      amount_sat: r.amountSat,
      status,
      block_height: r.blockHeight,
      coinbase: r.coinbase,
      // In the total a coin is in a block: proven when its branch folded to that block's header.
      merkle_proven: r.merkleProven && status !== 'unconfirmed',
    });
  let after: { txid: string; vout: bigint } | undefined;
  for (;;) {
    const rows = asOf
      ? await listUtxosAsOf(ctx, { asOf, knownAt, statuses: HELD, after, limit: PAGE })
      : (await listUtxos(ctx, { after, limit: PAGE })).rows.map((coin) => ({
          coin,
          statusAsOf: coin.status as CoinStatus,
        }));
    const pageRows = rows.slice(0, PAGE);
    for (const r of pageRows) if ((HELD as readonly string[]).includes(r.statusAsOf)) push(r.coin, r.statusAsOf);
    if (rows.length <= PAGE) return coins;
    const last = pageRows[pageRows.length - 1]!.coin;
    after = { txid: last.txid, vout: last.vout };
  }
}

/**
 * `asOf` null: the current UTXO set. A time: the set as of then by valid time (docs/reports.md), with
 * `knownAt` only what had been recorded by then (each
 * coin's history rewound), stated at the height of then (tipAsOf); the descriptors, the chain tip and the
 * ledger head are those of the moment the proof is generated (`generated_at`): the head commits to everything
 * recorded since.
 */
export async function proofOfReserves(ctx: Ctx, input: { asOf: Date | null; knownAt?: Date }) {
  const generatedAt = new Date();
  const policies = await listPolicies(ctx);
  const held = await heldCoins(ctx, input.asOf, input.knownAt);
  const coins = held.filter((c) => IN_TOTAL.has(c.status));
  const pending = held.filter((c) => c.status === 'unconfirmed');
  const byAddress = new Map<string, typeof coins>();
  for (const c of coins) byAddress.set(c.address, [...(byAddress.get(c.address) ?? []), c]);
  const sum = (list: Coin[]) => list.reduce((s, c) => s + c.amount_sat, 0n);
  const total = sum(coins);
  const immature = sum(coins.filter((c) => c.status === 'immature'));
  const proven = sum(coins.filter((c) => c.merkle_proven));
  const [tip, tipThen, ledger, checkpoint] = await Promise.all([
    getTip(ctx),
    input.asOf ? tipAsOf(ctx, input.asOf) : null,
    verifyLedger(ctx),
    reportCheckpoint(executor(ctx)),
  ]);
  return {
    as_of: (input.asOf ?? generatedAt).toISOString(),
    known_at: input.knownAt?.toISOString() ?? null,
    generated_at: generatedAt.toISOString(),
    /**
     * The height the proof states: a node at this height finds exactly the listed outputs. As of a past time,
     * the best chain's highest block whose header time is at or before it.
     */
    height: tipThen ? tipThen.height : tip.height,
    chain_tip: tip,
    ledger_head: ledger.ok
      ? { ok: true, entries: ledger.count.toString(), head_hash: ledger.head_hash }
      : { ok: false, reason: ledger.reason },
    checkpoint,
    descriptors: policies.map((p) => ({ policy_id: p.id, ...policyDescriptors(documentOf(p)) })),
    addresses: [...byAddress]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([address, list]) => {
        const sat = list.reduce((s, c) => s + c.amount_sat, 0n);
        return {
          address,
          policy_id: list[0]!.policy_id,
          amount_sat: sat.toString(),
          amount_btc: formatBtc(sat),
          utxos: list
            .sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid.localeCompare(b.txid)))
            .map((c) => ({
              txid: c.txid,
              vout: c.vout,
              amount_sat: c.amount_sat.toString(),
              amount_btc: formatBtc(c.amount_sat),
              status: c.status,
              block_height: c.block_height,
              coinbase: c.coinbase,
              merkle_proven: c.merkle_proven,
            })),
        };
      }),
    total: {
      utxos: coins.length,
      amount_sat: total.toString(),
      amount_btc: formatBtc(total),
      immature_sat: immature.toString(),
      immature_btc: formatBtc(immature),
      available_sat: (total - immature).toString(),
      available_btc: formatBtc(total - immature),
      proven_sat: proven.toString(),
      proven_btc: formatBtc(proven),
      unproven_sat: (total - proven).toString(),
      unproven_btc: formatBtc(total - proven),
    },
    /** Seen but in no block yet: listed apart, outside the total (a node's scantxoutset would not find them). */
    unconfirmed: {
      utxos: pending.length,
      amount_sat: sum(pending).toString(),
      amount_btc: formatBtc(sum(pending)),
      items: pending
        .sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid.localeCompare(b.txid)))
        .map((c) => ({
          policy_id: c.policy_id,
          address: c.address,
          txid: c.txid,
          vout: c.vout,
          amount_sat: c.amount_sat.toString(),
          amount_btc: formatBtc(c.amount_sat),
        })),
    },
  };
}

export type ProofOfReserves = Awaited<ReturnType<typeof proofOfReserves>>;

/** One line per UTXO, then the descriptors and the total as comment-free trailing rows. */
export function proofCsvRecords(p: ProofOfReserves): string[][] {
  const rows: string[][] = [
    ['record', 'policy_id', 'address', 'txid', 'vout', 'amount_sat', 'amount_btc', 'status', 'block_height', 'detail'],
  ];
  for (const a of p.addresses) {
    for (const u of a.utxos)
      rows.push([
        'utxo',
        a.policy_id,
        a.address,
        u.txid,
        String(u.vout),
        u.amount_sat,
        u.amount_btc,
        u.status,
        u.block_height === null ? '' : String(u.block_height),
        u.coinbase ? 'coinbase' : '',
      ]);
  }
  for (const d of p.descriptors) rows.push(['descriptor', d.policy_id, '', '', '', '', '', '', '', d.multipath]);
  rows.push(['total', '', '', '', '', p.total.amount_sat, p.total.amount_btc, '', '', `${p.total.utxos} utxos`]);
  rows.push([
    'chain_tip',
    '',
    '',
    p.chain_tip.hash ?? '',
    '',
    '',
    '',
    '',
    p.chain_tip.height === null ? '' : String(p.chain_tip.height),
    '',
  ]);
  rows.push([
    'ledger_head',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    'head_hash' in p.ledger_head
      ? String(p.ledger_head.head_hash)
      : `broken: ${'reason' in p.ledger_head ? p.ledger_head.reason : ''}`,
  ]);
  return rows;
}
