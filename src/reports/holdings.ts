// Holdings, valued: what the reserve holds per custody policy and status, and what it is worth.
// Amounts come from the ledger's balances; values from valueHoldings (fair value at the latest
// price mark, value at receipt, production cost, unrealized gain). For the current holdings the
// payouts module also sets the UTXO set beside the books (the ledger-equals-UTXO-set check).
import { type Ctx, inTx } from '../context.js';
import { type CoinStatus, HELD_STATUSES, holdingsReport, listUtxosAsOf } from '../coins/index.js';
import { formatBtc } from '../money/btc.js';
import { valueHoldings } from './valuation.js';

export interface HoldingsQuery {
  /** null: the current holdings, checked against the UTXO set; a time: the books as of then. */
  asOf: Date | null;
  /** Only entries recorded by then: what the books said at that moment. */
  knownAt?: Date;
  currency: string;
}

type Valued = Awaited<ReturnType<typeof valueHoldings>>;
type ValuedRow = Valued['holdings'][number];
const UNVALUED = { fair_value: null, value_at_receipt: null, production_cost: null, unrealized_gain: null };

function valuesOf(row: ValuedRow | undefined) {
  if (!row) return UNVALUED;
  return {
    fair_value: row.fair_value,
    value_at_receipt: row.value_at_receipt,
    production_cost: row.production_cost,
    unrealized_gain: row.unrealized_gain,
  };
}

const PAGE = 1000;
type Split = { proven: bigint; unproven: bigint };

/**
 * The UTXO set as of `asOf` split into proven and unproven satoshis per `policy:status`. Proven: the
 * coin's transaction was folded by a merkle branch to its block's header (`merkle_proven`) and the
 * coin is in a block then (not unconfirmed). The flag is the coin's as recorded now.
 */
async function provenSplitAsOf(ctx: Ctx, asOf: Date, knownAt?: Date): Promise<Map<string, Split>> {
  const split = new Map<string, Split>();
  let after: { txid: string; vout: bigint } | undefined;
  for (;;) {
    const rows = await listUtxosAsOf(ctx, { asOf, knownAt, statuses: HELD_STATUSES, after, limit: PAGE });
    const page = rows.slice(0, PAGE);
    for (const { coin, statusAsOf } of page) {
      const key = `${coin.policyId}:${statusAsOf}`;
      const s = split.get(key) ?? { proven: 0n, unproven: 0n };
      if (coin.merkleProven && statusAsOf !== 'unconfirmed') s.proven += coin.amountSat;
      else s.unproven += coin.amountSat;
      split.set(key, s);
    }
    if (rows.length <= PAGE) return split;
    const last = page[page.length - 1]!.coin;
    after = { txid: last.txid, vout: last.vout };
  }
}

/** Proven and unproven satoshis over the rows, for the totals. */
function provenTotals(rows: readonly { proven_sat: string; unproven_sat: string }[]) {
  const proven = rows.reduce((s, r) => s + BigInt(r.proven_sat), 0n);
  const unproven = rows.reduce((s, r) => s + BigInt(r.unproven_sat), 0n);
  return {
    proven_sat: proven.toString(),
    proven_btc: formatBtc(proven),
    unproven_sat: unproven.toString(),
    unproven_btc: formatBtc(unproven),
  };
}

export async function holdingsValued(ctx: Ctx, query: HoldingsQuery) {
  const read = async (c: Ctx) => {
    const asOf = query.asOf ?? new Date();
    const [valued, current, split] = await Promise.all([
      valueHoldings(c, { asOf, knownAt: query.knownAt, currency: query.currency }),
      query.asOf ? null : holdingsReport(c),
      query.asOf ? provenSplitAsOf(c, asOf, query.knownAt) : null,
    ]);
    return { valued, current, split };
  };
  // One snapshot for both reads, so the amounts, the values and the check describe one moment.
  const { valued, current, split } = ctx.tx
    ? await read(ctx)
    : await ctx.db.transaction(async (tx) => read(inTx(ctx, tx as never)), {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      });
  const byKey = new Map(valued.holdings.map((h) => [`${h.policy_id}:${h.status}`, h]));
  const header = {
    as_of: valued.as_of,
    currency: valued.currency,
    price_mark: valued.price_mark,
    method: valued.method,
  };
  if (!current) {
    const holdings = valued.holdings.map((h) => {
      const s = split?.get(`${h.policy_id}:${h.status as CoinStatus}`) ?? { proven: 0n, unproven: 0n };
      return { ...h, proven_sat: s.proven.toString(), unproven_sat: s.unproven.toString() };
    });
    return {
      ...header,
      holdings,
      total_sat: valued.totals.amount_sat,
      total_btc: valued.totals.amount_btc,
      totals: { ...valued.totals, ...provenTotals(holdings) },
      // The ledger is dated by occurred_at (a payout may be booked at the period it pays for),
      // the UTXO set by when it was recorded: they are compared for the current holdings only.
      check: {
        ledger_equals_utxo_set: null,
        mismatches: [],
        detail: 'compared for the current holdings only (no as_of)',
      },
    };
  }
  return {
    ...header,
    holdings: current.holdings.map((h) => {
      const v = byKey.get(`${h.policy_id}:${h.status}`);
      return { ...h, policy_held_sat: v?.policy_held_sat ?? null, ...valuesOf(v) };
    }),
    total_sat: current.total_sat,
    total_btc: current.total_btc,
    totals: {
      ...valued.totals,
      amount_sat: current.total_sat,
      amount_btc: current.total_btc,
      ...provenTotals(current.holdings),
    },
    check: current.check,
  };
}
