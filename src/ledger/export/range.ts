// Which contiguous run of the chain an export covers, resolved once before the first byte.
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../../db/client.js';
import type { Ctx } from '../../context.js';
import { DomainError } from '../../errors.js';
import { canonicalDecimal, GENESIS_HASH } from '../canonical.js';
import { trialBalance } from '../service.js';
import type { BalanceLine } from './formats.js';

export interface LedgerExportRequest {
  /** Inclusive sequence bounds. */
  fromSeq?: bigint;
  toSeq?: bigint;
  /** Time bounds on recorded_at, [from, to): recorded_at rises with seq (set under the head lock). */
  from?: Date;
  to?: Date;
}

export interface LedgerExportRange {
  fromSeq: bigint;
  /** fromSeq - 1 when the range holds no entry. */
  toSeq: bigint;
  from: Date | null;
  to: Date | null;
  prevHash: string;
  headHash: string;
}

const field = (name: string, reason: string) =>
  new DomainError('validation_failed', `${name}: ${reason}`, { errors: [{ field: name, reason }] });

async function scalar(ctx: Ctx, query: ReturnType<typeof sql>): Promise<unknown> {
  const [row] = rowsOf<{ v: unknown }>(await ctx.db.execute(query));
  return row?.v ?? null;
}

async function hashAt(ctx: Ctx, seq: bigint): Promise<string> {
  if (seq === 0n) return GENESIS_HASH;
  const hash = await scalar(ctx, sql`select hash as v from ledger_entries where seq = ${seq}`);
  if (typeof hash !== 'string') throw new Error(`ledger entry ${seq} is missing below the chain head`);
  return hash;
}

/**
 * Resolves the request to [fromSeq, toSeq] of the chain as it stands now; later appends are
 * outside it, so the export is a consistent snapshot although it is read page by page.
 */
export async function resolveLedgerRange(ctx: Ctx, request: LedgerExportRequest): Promise<LedgerExportRange> {
  const head = BigInt(
    ((await scalar(ctx, sql`select last_seq as v from ledger_chain_head where id = 1`)) as bigint | null) ?? 0n,
  );
  if (request.toSeq !== undefined && request.toSeq > head)
    throw field('query.to_seq', `is beyond the chain head (seq ${head})`);
  if (request.fromSeq !== undefined && request.toSeq !== undefined && request.fromSeq > request.toSeq)
    throw field('query.from_seq', 'must not be above query.to_seq');
  if (request.from && request.to && request.from >= request.to) throw field('query.from', 'must be before query.to');
  let fromSeq = request.fromSeq ?? 1n;
  let toSeq = request.toSeq ?? head;
  if (fromSeq > head + 1n) throw field('query.from_seq', `is beyond the chain head (seq ${head})`);
  if (request.from) {
    const first = await scalar(
      ctx,
      sql`select min(seq) as v from ledger_entries where recorded_at >= ${request.from.toISOString()}`,
    );
    const firstSeq = first === null ? head + 1n : BigInt(first as bigint);
    if (firstSeq > fromSeq) fromSeq = firstSeq;
  }
  if (request.to) {
    const last = await scalar(
      ctx,
      sql`select max(seq) as v from ledger_entries where recorded_at < ${request.to.toISOString()}`,
    );
    const lastSeq = last === null ? 0n : BigInt(last as bigint);
    if (lastSeq < toSeq) toSeq = lastSeq;
  }
  if (toSeq < fromSeq - 1n) toSeq = fromSeq - 1n; // an empty range, positioned at fromSeq
  const prevHash = await hashAt(ctx, fromSeq - 1n);
  const headHash = toSeq === fromSeq - 1n ? prevHash : await hashAt(ctx, toSeq);
  return { fromSeq, toSeq, from: request.from ?? null, to: request.to ?? null, prevHash, headHash };
}

/** The trial balance after entry `seq` (nothing for seq 0), as the manifest carries it. */
export async function balancesAfter(ctx: Ctx, seq: bigint): Promise<BalanceLine[]> {
  if (seq === 0n) return [];
  const { rows } = await trialBalance(ctx, { asOfSeq: seq });
  return rows
    .map((r) => ({ account: r.account, commodity: r.commodity, amount: canonicalDecimal(r.balance) }))
    .filter((b) => b.amount !== '0')
    .sort((a, b) =>
      a.account < b.account
        ? -1
        : a.account > b.account
          ? 1
          : a.commodity < b.commodity
            ? -1
            : a.commodity > b.commodity
              ? 1
              : 0,
    );
}
