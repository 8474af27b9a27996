import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf, type Tx } from '../../db/client.js';
import { utxoHistory, utxos } from '../../db/schema/payouts.js';
import { type Ctx, inTx, type Verb, withTransaction } from '../context.js';
import { conflict, invalid, notFound } from '../errors.js';
import { eventSourceId, newId } from '../ids.js';
import { reverseEntry, vaultAccount } from '../ledger/index.js';
import { formatBtc } from '../money/btc.js';
import { type BtcPosting, entrySeq, postBtcEntries } from './ledger-port.js';
import { canHoldMove, type CoinStatus, type HeldStatus } from './lifecycle.js';
import { outpointOf } from './moves.js';

// The spend side of the coins: lock (a spend holds them), release, spend, and undo a spend whose
// block was reorganised away. Each call writes its history rows and one ledger entry in one
// transaction (the caller's when ctx.tx is set); the database refuses any other move (0008).

const OUTPOINT = /^([0-9a-f]{64}):(0|[1-9][0-9]{0,9})$/;
const outpoints = z
  .array(z.string().regex(OUTPOINT, 'must be <txid>:<vout> (lowercase hex txid)'))
  .min(1, 'must name at least one coin')
  .max(1000, 'must name at most 1000 coins');
const key = z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'must be 1 to 128 characters of [A-Za-z0-9._:@-]');

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw invalid(issue.path.join('.') || 'input', issue.message);
}

/** Two parallel arrays for unnest(): one statement whatever the number of coins. */
function outpointArrays(pairs: readonly (readonly [string, bigint])[]) {
  return {
    txids: `{${pairs.map(([t]) => t).join(',')}}`,
    vouts: `{${pairs.map(([, v]) => v.toString()).join(',')}}`,
  };
}

/** What a hold, spend or reopen needs of a coin (its other columns are not read: fewer to fetch and map). */
interface HeldCoin {
  txid: string;
  vout: bigint;
  policyId: string;
  amountSat: bigint;
  status: string;
}

/** The named outpoints (validated `<txid>:<vout>`), each once, in outpoint order. */
function outpointPairs(named: readonly string[]): (readonly [string, bigint])[] {
  return [...new Set(named)]
    .map((o) => {
      const [t, v] = o.split(':') as [string, string];
      return [t, BigInt(v)] as const;
    })
    .sort(([ta, va], [tb, vb]) => (ta < tb ? -1 : ta > tb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
}

/** The coins named, locked in outpoint order (so two spends never deadlock); 404 for one not recorded. */
async function lockRows(tx: Tx, named: readonly string[]): Promise<HeldCoin[]> {
  const pairs = outpointPairs(named);
  const { txids, vouts } = outpointArrays(pairs);
  const rows = await tx
    .select({
      txid: utxos.txid,
      vout: utxos.vout,
      policyId: utxos.policyId,
      amountSat: utxos.amountSat,
      status: utxos.status,
    })
    .from(utxos)
    .where(sql`(${utxos.txid}, ${utxos.vout}) in (select * from unnest(${txids}::text[], ${vouts}::bigint[]))`)
    .orderBy(asc(utxos.txid), asc(utxos.vout))
    .for('update');
  const found = new Set(rows.map(outpointOf));
  const missing = pairs.map(([t, v]) => `${t}:${v}`).find((o) => !found.has(o));
  if (missing) throw notFound(`UTXO ${missing}`);
  return rows;
}

interface Move {
  coin: HeldCoin;
  from: CoinStatus;
  to: CoinStatus;
}

/** A coin's row as a move wrote it. */
interface MovedRow {
  txid: string;
  vout: string;
  policy_id: string;
  amount_sat: string;
}

/**
 * Writes every coin's new state and its history row (citing the one ledger entry of the call) in one
 * statement, which locks each row as it writes it, in the order given, and moves a coin only if it is in its
 * move's `from` state; returns the rows it moved, in that order. `block` sets (or, null, clears) the coins'
 * block as well.
 */
async function writeMoves(
  tx: Tx,
  moves: readonly { coin: { txid: string; vout: bigint }; from: CoinStatus; to: CoinStatus }[],
  why: { reason: string; eventId: string },
  ref: { kind: string; source: { type: string; id: string } },
  block?: { hash: string; height: number } | null,
): Promise<MovedRow[]> {
  if (moves.length === 0) return [];
  const { txids, vouts } = outpointArrays(moves.map((m) => [m.coin.txid, m.coin.vout] as const));
  const tos = `{${moves.map((m) => m.to).join(',')}}`;
  const blockSet =
    block === undefined
      ? sql``
      : sql`, block_hash = ${block?.hash ?? null}, block_height = ${block?.height ?? null}::integer`;
  const ledgerRefs = JSON.stringify([{ kind: ref.kind, source_type: ref.source.type, source_id: ref.source.id }]);
  const froms = `{${moves.map((m) => m.from).join(',')}}`;
  return rowsOf<MovedRow>(
    await tx.execute(sql`with m as (
        select * from unnest(${txids}::text[], ${vouts}::bigint[], ${froms}::text[], ${tos}::text[])
          with ordinality as m(txid, vout, from_status, to_status, n)
      ), moved as (
        update utxos u set status = m.to_status, updated_at = now()${blockSet}
        from m where u.txid = m.txid and u.vout = m.vout and u.status = m.from_status
        returning u.txid, u.vout, u.policy_id, u.amount_sat, m.from_status, m.to_status, m.n
      ), written as (
        insert into utxo_history (txid, vout, from_status, to_status, reason, event_id, ledger_refs)
        select txid, vout, from_status, to_status, ${why.reason}, ${why.eventId}, ${ledgerRefs}::jsonb
        from moved order by n
      )
      select txid, vout::text, policy_id, amount_sat::text from moved order by n`),
  );
}

/** Postings moving each coin's satoshis from one vault account to another, summed per account. */
function reclassify(moves: Move[]): BtcPosting[] {
  const sums = new Map<string, bigint>();
  const add = (account: string, amount: bigint) => sums.set(account, (sums.get(account) ?? 0n) + amount);
  for (const { coin, from, to } of moves) {
    add(vaultAccount(coin.policyId, to as HeldStatus), coin.amountSat);
    add(vaultAccount(coin.policyId, from as HeldStatus), -coin.amountSat);
  }
  return [...sums].map(([account, amount]) => ({ account, amount }));
}

function planMoves(coins: HeldCoin[], to: CoinStatus, allowed: readonly CoinStatus[]): Move[] {
  const wrong = coins.find(
    (c) => !allowed.includes(c.status as CoinStatus) || !canHoldMove(c.status as CoinStatus, to),
  );
  if (wrong)
    throw conflict(`${outpointOf(wrong)} is ${wrong.status}; it cannot become ${to}`, { outpoint: outpointOf(wrong) });
  return coins.map((coin) => ({ coin, from: coin.status as CoinStatus, to }));
}

const holdInput = z.object({ outpoints, holder: key, reason: z.string().min(1).max(500).optional() });
export type HoldInput = z.input<typeof holdInput>;

/**
 * Moves the named coins from `from` to `to` (writeMoves: no read beforehand). A coin missing or in another
 * state refuses the call (404 or 409) with the statement's rows written, so the caller's transaction must roll
 * back, as withTransaction does when the error leaves it.
 */
async function moveHeld(
  tx: Tx,
  named: readonly string[],
  change: { from: CoinStatus; to: CoinStatus },
  why: { reason: string; eventId: string },
  ref: { kind: string; source: { type: string; id: string } },
): Promise<Move[]> {
  const pairs = outpointPairs(named);
  const rows = await writeMoves(
    tx,
    pairs.map(([txid, vout]) => ({ coin: { txid, vout }, ...change })),
    why,
    ref,
  );
  if (rows.length < pairs.length) {
    const moved = new Set(rows.map((r) => `${r.txid}:${r.vout}`));
    const [first] = pairs.filter(([t, v]) => !moved.has(`${t}:${v}`));
    const [coin] = await lockRows(tx, [`${first![0]}:${first![1]}`]);
    throw conflict(`${outpointOf(coin!)} is ${coin!.status}; it cannot become ${change.to}`, {
      outpoint: outpointOf(coin!),
    });
  }
  return rows.map((r) => ({
    coin: {
      txid: r.txid,
      vout: BigInt(r.vout),
      policyId: r.policy_id,
      amountSat: BigInt(r.amount_sat),
      status: change.to,
    },
    ...change,
  }));
}

async function hold(ctx: Ctx, raw: unknown, to: 'locked' | 'available', from: CoinStatus) {
  const input = parse(holdInput, raw);
  return withTransaction(ctx, async (tx) => {
    const verb = to === 'locked' ? 'locked' : 'released';
    const ref = { kind: `coin.${verb}`, source: { type: 'coin_hold', id: newId('hold') } };
    const reason = input.reason ?? `${verb} by ${input.holder}`;
    const moves = await moveHeld(tx, input.outpoints, { from, to }, { reason, eventId: input.holder }, ref);
    await postBtcEntries({
      ctx: inTx(ctx, tx),
      input: {
        entries: [
          {
            ...ref,
            description: `${moves.length} coin(s) ${verb} by ${input.holder}`,
            occurredAt: new Date(),
            postings: reclassify(moves),
          },
        ],
      },
    });
    return { outpoints: moves.map((m) => outpointOf(m.coin)), status: to, ledger_source: ref.source };
  });
}

/** available -> locked: a spend holds these coins (409 if any is not available). */
export function lockCoins({ ctx, input }: Verb<HoldInput>) {
  return hold(ctx, input, 'locked', 'available');
}

/** locked -> available: the spend let them go (409 if any is not locked). */
export function releaseCoins({ ctx, input }: Verb<HoldInput>) {
  return hold(ctx, input, 'available', 'locked');
}

const sat = z.string().regex(/^-?(0|[1-9][0-9]{0,15})$/, 'must be a whole number of satoshis');
const spendInput = z.object({
  outpoints,
  /** The spend (or, spent outside Reserve, the observation) and the event that saw it confirmed. */
  spendId: key,
  eventId: key,
  settlement: z.object({
    description: z.string().min(1).max(1000),
    /** Where the coins' satoshis went: fees, disbursements, change, UNACCOUNTED. Sums to the coins' total. */
    postings: z
      .array(z.object({ account: z.string().min(1).max(512), amount_sat: sat }))
      .min(1)
      .max(100),
  }),
  occurredAt: z.date().optional(),
  /**
   * Vault outputs of this transaction that a reorg had withdrawn (reopenSpend's `withdraw`), back from
   * `withdrawn` to `available` in `block`: the settlement's postings book them, as they did the first time.
   */
  restore: z.array(z.string().regex(OUTPOINT)).max(100).optional(),
  block: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), height: z.number().int().min(0) }).optional(),
});
export type SpendInput = z.input<typeof spendInput>;

const spendSource = (spendId: string, eventId: string) => ({ type: 'spend', id: eventSourceId(spendId, eventId) });

/** The ledger entry markSpent posts for this spend and event: what books the spend's vault outputs. */
export const spendEntryRef = (spendId: string, eventId: string) => ({
  kind: 'coin.spent',
  source: spendSource(spendId, eventId),
});

/**
 * locked or available -> spent: the coins left the reserve. One entry: each coin out of its vault
 * account, and the settlement's postings the caller gives (they must sum to the coins' total).
 */
export function markSpent({ ctx, input: raw }: Verb<SpendInput>) {
  const input = parse(spendInput, raw);
  return withTransaction(ctx, async (tx) => {
    const moves = planMoves(await lockRows(tx, input.outpoints), 'spent', ['locked', 'available']);
    const total = moves.reduce((s, m) => s + m.coin.amountSat, 0n);
    const legs = input.settlement.postings.map((p) => ({ account: p.account, amount: BigInt(p.amount_sat) }));
    const settled = legs.reduce((s, p) => s + p.amount, 0n);
    if (settled !== total)
      throw invalid(
        'settlement.postings',
        `must sum to the coins' ${total} sat (${formatBtc(total)} BTC), not ${settled}`,
      );
    const ref = spendEntryRef(input.spendId, input.eventId);
    await writeMoves(tx, moves, { reason: `spent: ${input.settlement.description}`, eventId: ref.source.id }, ref);
    if (input.restore?.length) {
      if (!input.block) throw invalid('block', 'restored outputs need the block that confirms them');
      const back = planMoves(await lockRows(tx, input.restore), 'available', ['withdrawn']);
      const why = { reason: `confirmed again: ${input.settlement.description}`, eventId: ref.source.id };
      await writeMoves(tx, back, why, ref, input.block);
    }
    const out = moves.map((m) => ({
      account: vaultAccount(m.coin.policyId, m.from as HeldStatus),
      amount: -m.coin.amountSat,
    }));
    await postBtcEntries({
      ctx: inTx(ctx, tx),
      input: {
        entries: [
          {
            ...ref,
            description: input.settlement.description,
            occurredAt: input.occurredAt ?? new Date(),
            postings: [...out, ...legs],
          },
        ],
      },
    });
    return { outpoints: moves.map((m) => outpointOf(m.coin)), status: 'spent' as const, ledger_source: ref.source };
  });
}

const reopenInput = z.object({
  spendId: key,
  eventId: key,
  reason: z.string().min(1).max(500),
  /**
   * The transaction's own vault outputs (change, transfers) the settlement booked as coins: with their
   * transaction unconfirmed again they are `withdrawn` (never spent, no longer on the chain; their block
   * cleared, no account holds them) until it is confirmed again (markSpent's `restore`). Each must be
   * available.
   */
  withdraw: z.array(z.string().regex(OUTPOINT)).max(100).optional(),
});
export type ReopenInput = z.input<typeof reopenInput>;

/**
 * spent -> the state it was spent from (locked, or available when spent outside Reserve): the
 * spending block was reorganised away. Reverses the spend's entry (and with it the booking of the
 * withdrawn outputs).
 */
export function reopenSpend({ ctx, input: raw }: Verb<ReopenInput>) {
  const input = parse(reopenInput, raw);
  return withTransaction(ctx, async (tx) => {
    const source = spendSource(input.spendId, input.eventId);
    const seq = await entrySeq(inTx(ctx, tx), 'coin.spent', source);
    if (seq === null) throw notFound(`spend ${source.id}`);
    const spentBy = await tx
      .select({ txid: utxoHistory.txid, vout: utxoHistory.vout, from: utxoHistory.fromStatus })
      .from(utxoHistory)
      .where(and(eq(utxoHistory.eventId, source.id), eq(utxoHistory.toStatus, 'spent')));
    const coins = await lockRows(tx, spentBy.map(outpointOf));
    const before = new Map(spentBy.map((h) => [outpointOf(h), h.from as CoinStatus]));
    const moves = coins.map((coin) => ({ coin, from: coin.status as CoinStatus, to: before.get(outpointOf(coin))! }));
    const wrong = moves.find((m) => m.from !== 'spent');
    if (wrong) throw conflict(`${outpointOf(wrong.coin)} is ${wrong.from}, no longer spent by ${source.id}`);
    const ref = { kind: 'coin.unspent', source };
    await writeMoves(tx, moves, { reason: `spend undone: ${input.reason}`, eventId: source.id }, ref);
    if (input.withdraw?.length) {
      const gone = planMoves(await lockRows(tx, input.withdraw), 'withdrawn', ['available']);
      const why = { reason: `its transaction is unconfirmed again: ${input.reason}`, eventId: source.id };
      await writeMoves(tx, gone, why, ref, null);
    }
    await reverseEntry({ ctx: inTx(ctx, tx), input: { seq, reason: input.reason, kind: ref.kind, source } });
    return { outpoints: moves.map((m) => outpointOf(m.coin)), statuses: moves.map((m) => m.to) };
  });
}
