// Appending entries: the write path under the chain-head lock, and group commit.
// Each append holds the head lock until its transaction commits, so one entry per commit
// caps the ledger at one WAL flush per entry. Concurrent postEntry calls that have no
// transaction of their own are therefore grouped: while one batch commits, the next
// gathers, and it is appended under one lock with one commit (like PostgreSQL's own group
// commit). Such a batch is a single statement outside any explicit transaction: atomic on its
// own, and no client round trip happens while it holds the lock.
import {
  CHECK_VIOLATION,
  type DbRefusal,
  FOREIGN_KEY_VIOLATION,
  refusalOf,
  UNIQUE_VIOLATION,
} from '../../db/errors.js';
import type { Db, Executor } from '../../db/client.js';
import { conflict, DomainError, invalid } from '../errors.js';
import { observeDuration } from '../http/metrics.js';
import { newId } from '../ids.js';
import type { NewEntry, PostedEntry } from './model.js';
import { type AppendedRow, callAppend, postingRows } from './queries.js';

/** Most entries appended under one head lock. */
export const MAX_BATCH_ENTRIES = 1000;

export interface AppendItem {
  entry: NewEntry;
  /** The actor string hashed into the entry. */
  actor: string;
}

/** Refuses a batch that names one (kind, source) twice, before touching the database. */
export function assertDistinctSources(items: AppendItem[]): void {
  const seen = new Set<string>();
  for (const { entry: e } of items) {
    const key = JSON.stringify([e.kind, e.source.type, e.source.id]);
    if (seen.has(key))
      throw conflict(`source ${e.source.type}/${e.source.id} appears twice in this batch for kind ${e.kind}`);
    seen.add(key);
  }
}

/**
 * Appends validated entries in order inside `tx`: accounts on first use, postings, then the
 * entries, whose trigger takes the head lock and assigns seq, prev_hash, recorded_at and hash.
 * An entry whose (kind, source) is already posted refuses the whole batch (conflict), or with
 * skipPosted comes back as null while the others are appended; either way tx stays usable.
 */
export async function appendEntries(
  tx: Executor,
  items: AppendItem[],
  options: { skipPosted: true },
): Promise<(PostedEntry | null)[]>;
export async function appendEntries(
  tx: Executor,
  items: AppendItem[],
  options?: { skipPosted: false },
): Promise<PostedEntry[]>;
export async function appendEntries(
  tx: Executor,
  items: AppendItem[],
  options: { skipPosted: boolean } = { skipPosted: false },
): Promise<(PostedEntry | null)[]> {
  if (items.length > MAX_BATCH_ENTRIES) throw invalid('entries', `must be at most ${MAX_BATCH_ENTRIES} per batch`);
  const prepared = items.map((item) => ({ ...item, id: newId('ent') }));
  const batch = prepared.map(({ id, entry, actor }) => ({
    id,
    occurred_at: entry.occurredAt.toISOString(),
    kind: entry.kind,
    description: entry.description,
    source_type: entry.source.type,
    source_id: entry.source.id,
    actor,
    reverses_seq: entry.reverses?.toString() ?? null,
    postings: postingRows(id, entry.postings).map((p) => ({
      account: p.account,
      commodity: p.commodity,
      amount_sat: p.amountSat?.toString() ?? null,
      amount: p.amount,
      price_amount: p.priceAmount,
      price_commodity: p.priceCommodity,
      cost_amount: p.costAmount,
      cost_commodity: p.costCommodity,
    })),
  }));
  let rows: AppendedRow[];
  try {
    const started = performance.now();
    rows = await callAppend(tx, JSON.stringify(batch), options.skipPosted);
    observeDuration('ledger_append', items.length > 1 ? 'batch' : 'single', (performance.now() - started) / 1000);
  } catch (error) {
    // A DomainError carries no SQLSTATE, so it passes through as it is.
    throw refusalOf(error, LEDGER_REFUSALS) ?? error;
  }
  const byId = new Map(rows.map((r) => [r.posted_id, r]));
  return prepared.map(({ id, entry, actor }) => {
    const row = byId.get(id)!;
    if (row.posted_seq === null) return null;
    return {
      seq: BigInt(row.posted_seq),
      id,
      occurredAt: entry.occurredAt,
      recordedAt: new Date(row.posted_recorded_at!),
      kind: entry.kind,
      description: entry.description,
      source: { ...entry.source },
      actor,
      reversesSeq: entry.reverses ?? null,
      prevHash: row.posted_prev_hash!,
      hash: row.posted_hash!,
      postings: entry.postings,
    };
  });
}

interface Waiting extends AppendItem {
  resolve(posted: PostedEntry): void;
  reject(error: unknown): void;
}

/** Batches on their way to the database at once: one committing, the next waiting on the head lock. */
const MAX_IN_FLIGHT = 2;

/**
 * One queue per database. A batch is one autocommit statement (ledger_append), so the head
 * lock is held only while the server runs it and flushes its commit, with no client round trip
 * in between; while it does, the next batch gathers and waits server-side for the lock.
 */
class GroupCommitQueue {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly db: Db) {}

  append(item: AppendItem): Promise<PostedEntry> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...item, resolve, reject });
      this.kick();
    });
  }

  private kick() {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length > 0) {
      const batch = takeBatch(this.waiting);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.kick();
      });
    }
  }

  private async run(batch: Waiting[]) {
    try {
      const posted = await appendEntries(this.db, batch, { skipPosted: true });
      batch.forEach((w, i) => {
        const entry = posted[i];
        if (entry) w.resolve(entry);
        else w.reject(alreadyPosted());
      });
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // One bad entry must not fail its neighbours: append each on its own.
      for (const w of batch) {
        try {
          const [entry] = await appendEntries(this.db, [w], { skipPosted: true });
          if (entry) w.resolve(entry);
          else w.reject(alreadyPosted());
        } catch (single) {
          w.reject(single);
        }
      }
    }
  }
}

/** Takes up to MAX_BATCH_ENTRIES waiting items with distinct sources (a duplicate waits for the next batch). */
function takeBatch(waiting: Waiting[]): Waiting[] {
  const batch: Waiting[] = [];
  const rest: Waiting[] = [];
  const seen = new Set<string>();
  for (const w of waiting) {
    const key = JSON.stringify([w.entry.kind, w.entry.source.type, w.entry.source.id]);
    if (batch.length < MAX_BATCH_ENTRIES && !seen.has(key)) {
      seen.add(key);
      batch.push(w);
    } else rest.push(w);
  }
  waiting.length = 0;
  waiting.push(...rest);
  return batch;
}

const queues = new WeakMap<Db, GroupCommitQueue>();

/** Appends one entry in a transaction of its own, possibly shared with concurrent appends. */
export function appendGrouped(db: Db, item: AppendItem): Promise<PostedEntry> {
  let queue = queues.get(db);
  if (!queue) {
    queue = new GroupCommitQueue(db);
    queues.set(db, queue);
  }
  return queue.append(item);
}

/** The database's refusals that a caller can cause, as problems; anything else stays an internal error. */
export const alreadyPosted = () => conflict('this source has already been posted for this kind of entry');

const LEDGER_REFUSALS: readonly DbRefusal<DomainError>[] = [
  { code: UNIQUE_VIOLATION, constraint: 'ledger_entries_source_once', to: alreadyPosted },
  {
    code: UNIQUE_VIOLATION,
    constraint: 'ledger_entries_reversed_once',
    to: () => conflict('this entry has already been reversed'),
  },
  {
    code: CHECK_VIOLATION,
    constraint: 'ledger_account_commodity',
    to: () =>
      new DomainError('validation_failed', 'postings: an account may not hold this commodity', {
        errors: [{ field: 'postings', reason: 'an account is limited to other commodities' }],
      }),
  },
  {
    code: FOREIGN_KEY_VIOLATION,
    constraint: 'ledger_entries_reverses_fk',
    to: () => invalid('reverses', 'no entry has this seq'),
  },
  {
    code: CHECK_VIOLATION,
    constraint: 'ledger_entries_reverses_earlier',
    to: () => invalid('reverses', 'must be the seq of an earlier entry'),
  },
];
