import { and, asc, desc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../../db/client.js';
import {
  LIVE_STATES,
  type SpendState,
  spendApprovals,
  spendInputs,
  spendOutputs,
  spends,
  spendUploads,
} from '../../db/schema/spends.js';
import { notFound } from '../errors.js';

// The spends' rows: read whole (spend, inputs, outputs, approvals, uploads), locked for a verb.

export type SpendRow = typeof spends.$inferSelect;
export type SpendInputRow = typeof spendInputs.$inferSelect;
export type SpendOutputRow = typeof spendOutputs.$inferSelect;
export type ApprovalRow = typeof spendApprovals.$inferSelect;
export type UploadRow = typeof spendUploads.$inferSelect;

export interface SpendRecord {
  spend: SpendRow;
  inputs: SpendInputRow[];
  outputs: SpendOutputRow[];
  approvals: ApprovalRow[];
  uploads: UploadRow[];
}

async function parts(db: Executor, spend: SpendRow): Promise<SpendRecord> {
  const [inputs, outputs, approvals, uploads] = [
    await db.select().from(spendInputs).where(eq(spendInputs.spendId, spend.id)).orderBy(asc(spendInputs.n)),
    await db.select().from(spendOutputs).where(eq(spendOutputs.spendId, spend.id)).orderBy(asc(spendOutputs.vout)),
    await db.select().from(spendApprovals).where(eq(spendApprovals.spendId, spend.id)).orderBy(asc(spendApprovals.at)),
    await db.select().from(spendUploads).where(eq(spendUploads.spendId, spend.id)).orderBy(asc(spendUploads.at)),
  ];
  return { spend, inputs, outputs, approvals, uploads };
}

export async function readSpend(db: Executor, id: string): Promise<SpendRecord> {
  const [spend] = await db.select().from(spends).where(eq(spends.id, id));
  if (!spend) throw notFound(`spend ${id}`);
  return parts(db, spend);
}

/** The spend locked FOR UPDATE (one verb at a time per spend), with its parts. */
export async function lockSpend(tx: Tx, id: string): Promise<SpendRecord> {
  const [spend] = await tx.select().from(spends).where(eq(spends.id, id)).for('update');
  if (!spend) throw notFound(`spend ${id}`);
  return parts(tx, spend);
}

/** Serialises proposals per vault across instances: the daily limit and the coin choice see every earlier one. */
export async function lockVaultSpending(tx: Tx, policyId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`reserve:spends:${policyId}`}))`);
}

/** What the vault's live and settled spends sent (change excluded) since `since`. */
export async function sentSince(tx: Tx, policyId: string, since: Date): Promise<bigint> {
  const [row] = await tx
    .select({ sum: sql<string>`coalesce(sum(${spends.amountSat}), 0)::text` })
    .from(spends)
    .where(and(eq(spends.policyId, policyId), inArray(spends.state, [...LIVE_STATES]), gt(spends.createdAt, since)));
  return BigInt(row?.sum ?? '0');
}

export async function setState(tx: Tx, id: string, state: SpendState, extra: Partial<SpendRow> = {}) {
  const [row] = await tx
    .update(spends)
    .set({ state, ...extra })
    .where(eq(spends.id, id))
    .returning();
  return row!;
}

export interface SpendListQuery {
  state?: SpendState;
  policyId?: string;
  after?: { at: Date; id: string };
  limit: number;
}

/** Newest first. */
export async function listSpendRows(db: Executor, q: SpendListQuery): Promise<SpendRow[]> {
  const conditions = [
    q.state ? eq(spends.state, q.state) : undefined,
    q.policyId ? eq(spends.policyId, q.policyId) : undefined,
    q.after
      ? or(lt(spends.createdAt, q.after.at), and(eq(spends.createdAt, q.after.at), lt(spends.id, q.after.id)))
      : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select()
    .from(spends)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(spends.createdAt), desc(spends.id))
    .limit(q.limit);
}

export async function recordsOf(db: Executor, rows: SpendRow[]): Promise<SpendRecord[]> {
  const out: SpendRecord[] = [];
  for (const row of rows) out.push(await parts(db, row));
  return out;
}

/** Proposed spends of a vault past their expiry, locked. */
export async function dueForExpiry(tx: Tx, policyId: string, now: Date): Promise<string[]> {
  const rows = await tx
    .select({ id: spends.id })
    .from(spends)
    .where(and(eq(spends.policyId, policyId), eq(spends.state, 'proposed'), lt(spends.expiresAt, now)))
    .orderBy(asc(spends.id))
    .for('update');
  return rows.map((r) => r.id);
}

/** Live spends holding any of these outpoints. */
export async function liveSpendsHolding(db: Executor, outpoints: readonly { txid: string; vout: bigint }[]) {
  if (outpoints.length === 0) return [];
  const rows = await db
    .selectDistinct({ id: spendInputs.spendId })
    .from(spendInputs)
    .where(
      and(
        eq(spendInputs.live, true),
        sql`(${spendInputs.txid}, ${spendInputs.vout}) in (${sql.join(
          outpoints.map((o) => sql`(${o.txid}, ${o.vout})`),
          sql`, `,
        )})`,
      ),
    );
  return rows.map((r) => r.id);
}

export async function spendByTxid(db: Executor, txid: string): Promise<SpendRow | undefined> {
  const [row] = await db
    .select()
    .from(spends)
    .where(and(eq(spends.txid, txid), inArray(spends.state, ['signed', 'broadcast', 'confirmed'])))
    .orderBy(desc(spends.createdAt))
    .limit(1);
  return row;
}

/**
 * Addresses of a vault issued for spends that ended without ever being broadcast (their outputs no longer live),
 * which no live spend holds now: the next spend needing an address of that chain (change, or a `policy_id`
 * output's receive address) takes one again. `taken` are the addresses this proposal already holds.
 */
export function reusableAddresses(policyId: string, kind: 'vault' | 'change', taken: ReadonlySet<string>) {
  return async (tx: Tx): Promise<string[]> => {
    const rows = await tx
      .selectDistinct({ address: spendOutputs.address })
      .from(spendOutputs)
      .where(
        and(
          eq(spendOutputs.destPolicyId, policyId),
          eq(spendOutputs.kind, kind),
          sql`${spendOutputs.issued} and not ${spendOutputs.live}`,
          sql`not exists (select 1 from ${spendOutputs} l where l.address = ${spendOutputs.address} and l.issued and l.live)`,
        ),
      )
      .limit(taken.size + 20);
    return rows.map((r) => r.address).filter((a) => !taken.has(a));
  };
}
