// The log's verbs: signing checkpoints, accepting witness cosignatures, serving the signed note
// and per-entry receipts. Each write runs in one transaction; the database's guards
// (db/migrations/transparency) refuse a checkpoint that is smaller or inconsistent whatever
// this code does.
import { desc, eq, gte, asc } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../../../db/client.js';
import {
  transparencyCheckpoints,
  transparencyCosignatures,
  transparencyHead,
} from '../../../db/schema/transparency.js';
import { audit } from '../../audit/index.js';
import { type Ctx, executor, type Verb, withTransaction } from '../../context.js';
import { conflict, DomainError, invalid, notFound } from '../../errors.js';
import { canonicalBytes } from '../canonical.js';
import { toCanonical } from '../model.js';
import { getEntry } from '../service.js';
import { formatCheckpoint, parseCheckpoint } from './checkpoint.js';
import { EMPTY_ROOT, leafHash } from './merkle.js';
import {
  cosignatureTime,
  keyLabel,
  NoteError,
  parseNote,
  signatureLine,
  verifierKeyString,
  verifySignature,
} from './note.js';
import { formatReceipt } from './receipt.js';
import type { LogSetup } from './setup.js';
import { extendTo, ledgerSize, storedConsistency, storedInclusion, storedRoot, treeSize } from './store.js';

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  body: string;
  signature: string;
  createdAt: Date;
}

const toStored = (r: typeof transparencyCheckpoints.$inferSelect): StoredCheckpoint => ({
  size: Number(r.size),
  root: r.root,
  body: r.body,
  signature: r.signature,
  createdAt: r.createdAt,
});

export async function latestCheckpoint(db: Executor): Promise<StoredCheckpoint | null> {
  const [row] = await db.select().from(transparencyCheckpoints).orderBy(desc(transparencyCheckpoints.size)).limit(1);
  return row ? toStored(row) : null;
}

/** The first checkpoint whose tree holds `size` entries. */
export async function checkpointCovering(db: Executor, size: number): Promise<StoredCheckpoint | null> {
  const [row] = await db
    .select()
    .from(transparencyCheckpoints)
    .where(gte(transparencyCheckpoints.size, BigInt(size)))
    .orderBy(asc(transparencyCheckpoints.size))
    .limit(1);
  return row ? toStored(row) : null;
}

/** The checkpoint as a signed note: body, blank line, the log's signature, then every stored cosignature. */
export async function checkpointNote(db: Executor, cp: StoredCheckpoint): Promise<string> {
  const cosigs = await db
    .select()
    .from(transparencyCosignatures)
    .where(eq(transparencyCosignatures.checkpointSize, BigInt(cp.size)))
    .orderBy(asc(transparencyCosignatures.witness));
  return `${cp.body}\n${cp.signature}${cosigs.map((c) => c.signature).join('')}`;
}

export async function cosignersOf(db: Executor, size: number): Promise<string[]> {
  const rows = await db
    .select({ witness: transparencyCosignatures.witness })
    .from(transparencyCosignatures)
    .where(eq(transparencyCosignatures.checkpointSize, BigInt(size)))
    .orderBy(asc(transparencyCosignatures.witness));
  return rows.map((r) => r.witness);
}

/** Records the log's key on first use; a different key later is refused (one log, one key). */
async function pinLogKey(tx: Executor, setup: LogSetup) {
  const key = verifierKeyString(setup.signer);
  const [head] = await tx.select().from(transparencyHead).where(eq(transparencyHead.id, 1)).for('update');
  if (head?.logKey && head.logKey !== key)
    throw new DomainError(
      'conflict',
      `this database's log signs with ${head.logKey}; the configured log key is ${key} (LOG_KEY_FILE)`,
    );
  if (!head?.logKey) await tx.update(transparencyHead).set({ logKey: key }).where(eq(transparencyHead.id, 1));
}

/**
 * Brings the tree up to the ledger and signs a checkpoint of it, unless the latest checkpoint
 * already has that size (then it is returned, created = false).
 */
export async function makeCheckpoint(
  ctx: Ctx,
  setup: LogSetup,
  options: { audited?: boolean } = {},
): Promise<{ created: boolean; checkpoint: StoredCheckpoint }> {
  return withTransaction(ctx, async (tx) => {
    await pinLogKey(tx, setup);
    const size = await extendTo(tx, await ledgerSize(tx));
    const latest = await latestCheckpoint(tx);
    if (size === 0 || (latest && latest.size >= size)) {
      if (!latest) throw conflict('the ledger is empty: there is nothing to checkpoint yet');
      return { created: false, checkpoint: latest };
    }
    const root = await storedRoot(tx, size);
    const body = formatCheckpoint({ origin: setup.origin, size, root, extensions: [] });
    const signature = signatureLine(body, setup.signer);
    const row = await tx
      .insert(transparencyCheckpoints)
      .values({ size: BigInt(size), root, body, signature })
      .returning()
      .then(([r]) => r, refusedCheckpoint);
    if (options.audited)
      await audit(tx, ctx, { action: 'transparency.checkpoint', target: String(size), details: { size } });
    return { created: true, checkpoint: toStored(row!) };
  });
}

/** The guard trigger's refusals (db/migrations/transparency) become a 409 naming the reason. */
function refusedCheckpoint(error: unknown): never {
  for (
    let e = error as { cause?: unknown; constraint_name?: string; constraint?: string; message?: string } | undefined,
      depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    const constraint = e.constraint_name ?? e.constraint;
    if (typeof constraint === 'string' && constraint.startsWith('transparency_checkpoint'))
      throw new DomainError(
        'conflict',
        `the database refused the checkpoint (${constraint}): ${e.message ?? ''}`.trim(),
      );
  }
  throw error;
}

export const CosignatureInput = z.strictObject({
  note: z
    .string()
    .min(1)
    .max(64 * 1024),
});

/**
 * Stores the cosignatures of known witnesses (WITNESS_KEYS) found on a checkpoint note. The
 * note's body must be a checkpoint this log signed; each cosignature must verify.
 */
export async function addCosignatures({ ctx, input }: Verb<unknown>, setup: LogSetup) {
  const parsed = CosignatureInput.safeParse(input);
  if (!parsed.success) throw invalid('note', 'must be a checkpoint note with cosignature lines, as text');
  let note: ReturnType<typeof parseNote>;
  let size: number;
  try {
    note = parseNote(parsed.data.note);
    size = parseCheckpoint(note.text).size;
  } catch (error) {
    throw invalid('note', error instanceof NoteError ? error.reason : 'is not a signed note');
  }
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx
      .select()
      .from(transparencyCheckpoints)
      .where(eq(transparencyCheckpoints.size, BigInt(size)));
    if (!row || row.body !== note.text) throw invalid('note', `is not a checkpoint this log signed (size ${size})`);
    const accepted: string[] = [];
    for (const w of setup.witnesses) {
      const sig = note.signatures.find((s) => s.name === w.name && s.id === w.id);
      if (!sig) continue;
      if (!verifySignature(note.text, sig, w))
        throw invalid('note', `the cosignature of ${keyLabel(w)} does not verify`);
      const line = `\u2014 ${sig.name} ${Buffer.concat([idBytes(sig.id), sig.bytes]).toString('base64')}\n`;
      await tx
        .insert(transparencyCosignatures)
        .values({
          checkpointSize: BigInt(size),
          witness: keyLabel(w),
          signature: line,
          cosignedAt: cosignatureTime(sig),
        })
        .onConflictDoNothing();
      accepted.push(keyLabel(w));
    }
    if (accepted.length === 0)
      throw invalid('note', 'carries no cosignature of a witness this log knows (WITNESS_KEYS)');
    await audit(tx, ctx, {
      action: 'transparency.cosign',
      target: String(size),
      details: { size, witnesses: accepted },
    });
    return { checkpoint_size: size, accepted, cosigned_by: await cosignersOf(tx, size), quorum: setup.quorum };
  });
}

function idBytes(id: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(id);
  return b;
}

/** The entry as its receipt (and a JSON Lines export) carries it: every hashed value, as text. */
export function receiptEntry(entry: NonNullable<Awaited<ReturnType<typeof getEntry>>>) {
  const c = toCanonical(entry);
  return {
    ...c,
    seq: entry.seq.toString(),
    reverses_seq: entry.reversesSeq === null ? null : entry.reversesSeq.toString(),
    prev_hash: entry.prevHash,
    hash: entry.hash,
    postings: c.postings.map((p) => ({ ...p, price: p.price ?? null, cost: p.cost ?? null })),
  };
}

/** A C2SP tlog-proof for entry `seq` against the first checkpoint that holds it. */
export async function entryReceipt(ctx: Ctx, seq: bigint): Promise<string> {
  const db = executor(ctx);
  const entry = await getEntry(ctx, { seq });
  if (!entry) throw notFound(`ledger entry ${seq}`);
  const cp = await checkpointCovering(db, Number(seq));
  if (!cp)
    throw new DomainError(
      'not_found',
      `no checkpoint holds entry ${seq} yet; checkpoints follow the ledger (GET /v1/transparency/tree says when)`,
    );
  const proof = await storedInclusion(db, Number(seq) - 1, cp.size);
  const extra = receiptEntry(entry);
  if (!proof.leaf.equals(leafHash(canonicalBytes(extra))) || !proof.root.equals(cp.root))
    throw new Error(`transparency: the stored tree disagrees with entry ${seq} or checkpoint ${cp.size}`);
  return formatReceipt({
    extra: Buffer.from(JSON.stringify(extra), 'utf8'),
    index: Number(seq) - 1,
    path: proof.path,
    checkpoint: await checkpointNote(db, cp),
  });
}

export async function treeStatus(db: Executor, setup: LogSetup) {
  const [tree, ledger, latest] = await Promise.all([treeSize(db), ledgerSize(db), latestCheckpoint(db)]);
  return {
    tree_size: String(tree),
    ledger_size: String(ledger),
    lag_entries: String(Math.max(0, ledger - tree)),
    checkpoint_size: latest ? String(latest.size) : null,
    checkpoint_at: latest ? latest.createdAt.toISOString() : null,
    checkpoint_interval_s: setup.checkpointIntervalS,
    origin: setup.origin,
    log_key: verifierKeyString(setup.signer),
    witnesses: setup.witnesses.map(verifierKeyString),
    quorum: setup.quorum,
  };
}

/** What a ledger export's manifest records of the log at its last entry (src/ledger/export). */
export async function manifestTransparency(db: Executor, toSeq: bigint) {
  const size = Number(toSeq);
  await extendTo(db, size);
  const root = size === 0 ? EMPTY_ROOT : await storedRoot(db, size);
  const cp = size === 0 ? await latestCheckpoint(db) : await checkpointCovering(db, size);
  const consistency = cp ? await storedConsistency(db, size, cp.size) : [];
  return {
    tree_size: String(size),
    root: root.toString('hex'),
    checkpoint: cp ? await checkpointNote(db, cp) : null,
    consistency: consistency.map((h) => h.toString('hex')),
  };
}

/**
 * The checkpoint a report names: the latest the log has signed when the report is made, so a
 * reader can tie the report to a tree head the witnesses saw (docs/transparency.md).
 */
export async function reportCheckpoint(db: Executor) {
  const cp = await latestCheckpoint(db);
  if (!cp) return null;
  return {
    tree_size: String(cp.size),
    root: cp.root.toString('hex'),
    created_at: cp.createdAt.toISOString(),
    note: await checkpointNote(db, cp),
  };
}

/**
 * The newest checkpoint at least one witness cosigned, shaped as reportCheckpoint shapes it, with
 * who cosigned it (witness key labels); null while no witness has cosigned any. For the public page.
 */
export async function latestWitnessedCheckpoint(db: Executor) {
  const [cosigned] = await db
    .select({ size: transparencyCosignatures.checkpointSize })
    .from(transparencyCosignatures)
    .orderBy(desc(transparencyCosignatures.checkpointSize))
    .limit(1);
  if (!cosigned) return null;
  const [row] = await db.select().from(transparencyCheckpoints).where(eq(transparencyCheckpoints.size, cosigned.size));
  if (!row) return null;
  const cp = toStored(row);
  return {
    tree_size: String(cp.size),
    root: cp.root.toString('hex'),
    created_at: cp.createdAt.toISOString(),
    note: await checkpointNote(db, cp),
    cosigned_by: await cosignersOf(db, cp.size),
  };
}
