// The tree as the database keeps it (db/schema/transparency.ts): extending it from the ledger,
// and reading tree heads and proofs from O(log n) stored subtree hashes. The hashing of new
// leaves and nodes happens in SQL (transparency_extend, db/migrations/transparency), so nothing
// but the ledger's own entries can become a leaf.
import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../../db/client.js';
import { consistencyProof, inclusionProof, type NodeReader, nodesRead, rootAt } from './merkle.js';

/** Most leaves one extend statement adds: bounds the follower's transaction (a few ms per 1,000). */
export const EXTEND_BATCH = 5000;

export async function treeSize(db: Executor): Promise<number> {
  const [row] = rowsOf<{ size: string }>(
    await db.execute(sql`select size::text as size from transparency_head where id = 1`),
  );
  return Number(row?.size ?? 0);
}

export async function ledgerSize(db: Executor): Promise<number> {
  const [row] = rowsOf<{ n: string }>(
    await db.execute(sql`select last_seq::text as n from ledger_chain_head where id = 1`),
  );
  return Number(row?.n ?? 0);
}

/** Adds up to `max` of the entries not yet in the tree; returns the tree size after. */
export async function extendTree(db: Executor, max = EXTEND_BATCH): Promise<number> {
  const [row] = rowsOf<{ size: string }>(await db.execute(sql`select transparency_extend(${max})::text as size`));
  return Number(row!.size);
}

/** Extends the tree until it holds at least `target` entries (or every entry there is). */
export async function extendTo(db: Executor, target: number): Promise<number> {
  let size = await treeSize(db);
  while (size < target) {
    const next = await extendTree(db);
    if (next === size) break;
    size = next;
  }
  return size;
}

/** Reads the given nodes in one query. */
async function readNodes(db: Executor, wanted: { level: number; index: number }[]): Promise<NodeReader> {
  const found = new Map<string, Uint8Array>();
  if (wanted.length > 0) {
    const levels = `{${wanted.map((w) => w.level).join(',')}}`;
    const idxs = `{${wanted.map((w) => w.index).join(',')}}`;
    const rows = rowsOf<{ level: number; idx: string; hash: Uint8Array }>(
      await db.execute(sql`select n.level, n.idx::text as idx, n.hash from transparency_nodes n
        join unnest(${levels}::smallint[], ${idxs}::bigint[]) as w(level, idx) on n.level = w.level and n.idx = w.idx`),
    );
    for (const r of rows) found.set(`${r.level}/${r.idx}`, Buffer.from(r.hash));
  }
  return (level, index) => {
    const hash = found.get(`${level}/${index}`);
    if (!hash) throw new Error(`transparency: stored node ${level}/${index} is missing`);
    return hash;
  };
}

/** Runs a computation over stored nodes: one query for exactly the nodes it reads. */
export async function overStoredNodes<T>(db: Executor, compute: (read: NodeReader) => T): Promise<T> {
  return compute(await readNodes(db, nodesRead(compute)));
}

export const storedRoot = (db: Executor, size: number) =>
  overStoredNodes(db, (read) => Buffer.from(rootAt(read, size)));

export async function storedInclusion(db: Executor, index: number, size: number) {
  return overStoredNodes(db, (read) => ({
    leaf: Buffer.from(read(0, index)),
    path: inclusionProof(read, index, size).map((h) => Buffer.from(h)),
    root: Buffer.from(rootAt(read, size)),
  }));
}

export const storedConsistency = (db: Executor, from: number, to: number) =>
  overStoredNodes(db, (read) => consistencyProof(read, from, to).map((h) => Buffer.from(h)));

/** The hashes of tree level `level` from index `from`, `count` of them (for tiles). */
export async function nodeRun(db: Executor, level: number, from: number, count: number): Promise<Buffer[]> {
  const rows = rowsOf<{ idx: string; hash: Uint8Array }>(
    await db.execute(sql`select n.idx::text as idx, n.hash from transparency_nodes n
      where n.level = ${level} and n.idx >= ${from} and n.idx < ${from + count} order by n.idx`),
  );
  return rows.map((r) => Buffer.from(r.hash));
}
