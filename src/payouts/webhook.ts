import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type DbRefusal, refusalOf, UNIQUE_VIOLATION } from '../../db/errors.js';
import { type Db, type Executor, isDatabaseUnavailable, type Tx } from '../../db/client.js';
import { webhookEvents } from '../../db/schema/payouts.js';
import { audit, auditMany } from '../audit/index.js';
import { type Ctx, FLEET_ACTOR, inTx, withTransaction } from '../context.js';
import { problemOf, statusOf } from '../http/problem.js';
import { conflict, DomainError } from '../errors.js';
import { GroupCommit } from './batch.js';
import { applyBlockEvent } from './blocks.js';
import { type ChainView, chainLockStatement, readChain } from '../chain/index.js';
import { type PlannedEntry, postBtcEntries } from '../coins/index.js';
import { type FleetEvent, parseFleetEvent } from './events.js';
import { forgetOwner, reportProduction } from './ports.js';
import { receivePayout } from './receive.js';
import type { VerifiedDelivery } from './signature.js';
import { settleTransaction } from '../spends/index.js';

// One verified delivery from the fleet, applied exactly once. The webhook-id is the idempotency
// key: the event is applied and its id claimed with the answer and a SHA-256 of the body in one
// transaction (a concurrent duplicate waits on the claim, then answers as the first did). A retry
// with the same body gets the stored answer; the same id with another body is a 409. Anything
// refused rolls back, so a refused delivery writes nothing (a foreign address excepted: its alert
// and its stored 422 are the point).
//
// Payouts from concurrent requests are grouped (GroupCommit): applied side by side in one
// transaction, all their ledger entries appended under one chain-head lock, one commit, and then
// each request gets its own answer. A group that fails as a whole is re-run one delivery at a time.

export interface DeliveryAnswer {
  status: number;
  /** The JSON text of the answer; a replay returns the stored text byte for byte. */
  body: string;
  replayed: boolean;
}

class StoredAnswer extends Error {
  constructor(readonly answer: DeliveryAnswer) {
    super('stored answer');
  }
}

/**
 * Drizzle runs an unnamed query on postgres.js unprepared, and postgres.js then asks the server
 * for the parameter types first: a second round trip, and a pipeline break, per statement.
 * Naming the query makes postgres.js prepare it once per connection (it keys statements by
 * their text, not by this name), so the hot statements of a delivery go out in one write.
 */
const PREPARED = 'payouts_webhook';

/**
 * A PostgreSQL text[] literal: one parameter whatever the group's size, so the statement text
 * stays the same and is prepared once (an IN list of n parameters is a new statement per n).
 * Elements are double-quoted with `\\` and `"` escaped (webhook-ids are printable ASCII).
 */
const textArrayLiteral = (values: string[]) =>
  `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function storedAnswer(db: Executor, id: string, bodySha256: string): Promise<DeliveryAnswer | null> {
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
  if (!row) return null;
  if (row.bodySha256 !== bodySha256) {
    throw conflict(`webhook-id ${id} was already used for another body; an id names one event for good`, {
      webhook_id: id,
    });
  }
  return { status: row.status, body: row.response, replayed: true };
}

/** The database's refusal that means a concurrent delivery of the same webhook-id committed first. */
const CONCURRENT_DELIVERY: readonly DbRefusal<true>[] = [{ code: UNIQUE_VIOLATION, to: () => true }];

async function apply(
  ctx: Ctx,
  tx: Tx,
  id: string,
  event: FleetEvent,
  chain?: ChainView,
): Promise<{ status: number; body: string; entries: PlannedEntry[] }> {
  if (event.type === 'payout.received') {
    const outcome = await receivePayout(ctx, tx, { id, occurredAt: event.occurredAt, data: event.data }, chain);
    if (outcome.kind === 'foreign')
      return { status: statusOf(outcome.problem), body: JSON.stringify(problemOf(outcome.problem)), entries: [] };
    return { status: 200, body: JSON.stringify(outcome.result), entries: outcome.entries };
  }
  if (event.type === 'production.reported') {
    return {
      status: 200,
      body: JSON.stringify(await reportProduction({ ctx: inTx(ctx, tx), input: event.data })),
      entries: [],
    };
  }
  if (event.type === 'tx.confirmed') {
    const settled = await settleTransaction({ ctx: inTx(ctx, tx), input: { ...event.data, eventId: id } });
    return { status: 200, body: JSON.stringify(settled), entries: [] };
  }
  const { result, entries } = await applyBlockEvent(ctx, tx, {
    id,
    occurredAt: event.occurredAt,
    connected: event.type === 'block.connected',
    data: event.data,
  });
  return { status: 200, body: JSON.stringify(result), entries };
}

export interface PendingDelivery {
  ctx: Ctx;
  delivery: VerifiedDelivery;
  event: FleetEvent;
  bodySha256: string;
}

/** A webhook-id claimed by a concurrent transaction after the group read the stored ids. */
class ClaimedElsewhere extends Error {}

/** The webhook_events row that claims a delivery's id with its answer. */
const claimRow = (p: PendingDelivery, answer: { status: number; body: string }) => ({
  id: p.delivery.id,
  bodySha256: p.bodySha256,
  type: p.event.type,
  status: answer.status,
  response: answer.body,
});

/** The audit record of an applied (or stored-refused) delivery. */
const appliedRecord = (p: PendingDelivery, status: number) => ({
  action: `fleet.${p.event.type}`,
  target: p.delivery.id,
  outcome: status < 300 ? ('ok' as const) : ('rejected' as const),
  status,
});

/**
 * Applies one delivery in tx and claims its id with the answer; its ledger entries are returned,
 * not posted. The claim and the audit row go to the server together (pipelined).
 */
async function applyOne(tx: Tx, p: PendingDelivery): Promise<{ answer: DeliveryAnswer; entries: PlannedEntry[] }> {
  const answer = await apply(p.ctx, tx, p.delivery.id, p.event);
  // A concurrent delivery of the same id that got here first makes this insert wait for its
  // commit and then do nothing: answer as it did.
  const [[claimed]] = await Promise.all([
    tx
      .insert(webhookEvents)
      .values(claimRow(p, answer))
      .onConflictDoNothing()
      .returning({ id: webhookEvents.id })
      .prepare(PREPARED)
      .execute(),
    audit(tx, p.ctx, appliedRecord(p, answer.status)),
  ]);
  if (!claimed) throw new StoredAnswer((await storedAnswer(tx, p.delivery.id, p.bodySha256))!);
  return { answer: { status: answer.status, body: answer.body, replayed: false }, entries: answer.entries };
}

/**
 * Payouts take the chain lock shared (they run side by side); block events take it alone.
 * Production reports do not touch the chain or the coins: no chain lock (the site row lock serialises them).
 */
const lockFor = (event: FleetEvent) =>
  event.type === 'production.reported'
    ? null
    : chainLockStatement(event.type === 'payout.received' ? 'shared' : 'exclusive');

/**
 * One delivery in a transaction of its own. `readStored`: look for a stored answer first, in the
 * same round trip as the lock (a delivery not grouped is read here, not before its transaction).
 */
export async function applyAlone(p: PendingDelivery, readStored = false): Promise<DeliveryAnswer> {
  try {
    return await withTransaction(p.ctx, async (tx) => {
      const lock = lockFor(p.event);
      const [, earlier] = await Promise.all([
        lock ? tx.execute(lock) : undefined,
        readStored ? storedAnswer(tx, p.delivery.id, p.bodySha256) : null,
      ]);
      if (earlier) throw new StoredAnswer(earlier);
      const { answer, entries } = await applyOne(tx, p);
      // Last, so the ledger's head and balance rows stay locked only until the commit that follows.
      await postBtcEntries({ ctx: inTx(p.ctx, tx), input: { entries } });
      return answer;
    });
  } catch (error) {
    // A rolled-back payout may have been the one to mark its address used: let the next one do it.
    if (p.event.type === 'payout.received') forgetOwner({ ctx: p.ctx, input: { address: p.event.data.address } });
    if (error instanceof StoredAnswer) {
      await audit(p.ctx.db, p.ctx, {
        action: 'fleet.replay',
        target: p.delivery.id,
        details: { status: error.answer.status },
      });
      return error.answer;
    }
    if (error instanceof DomainError) throw error;
    // A unique-constraint race on the same webhook-id: the other transaction's answer stands.
    if (refusalOf(error, CONCURRENT_DELIVERY)) {
      const raced = await storedAnswer(p.ctx.db, p.delivery.id, p.bodySha256);
      if (raced) return raced;
    }
    // Anything else (a race that left no answer included) stays a fault: a 500, which the fleet retries.
    throw error;
  }
}

/**
 * Several payouts in one transaction, then every entry appended under one chain-head lock and
 * one commit; answers are settled only after the commit. No savepoints: a payout is refused
 * (DomainError) only before its first write, so a refusal leaves the group's transaction as it was.
 * A repeated webhook-id within the group waits for the group and is then answered alone (from
 * the stored answer); if the group fails as a whole, each delivery is re-run alone.
 */
async function applyGroup(db: Db, group: PendingDelivery[]): Promise<(DeliveryAnswer | Error)[]> {
  const outcomes: (DeliveryAnswer | Error)[] = new Array(group.length);
  const ids = new Set<string>();
  const firsts: number[] = [];
  const repeats: number[] = [];
  group.forEach((p, i) => {
    (ids.has(p.delivery.id) ? repeats : firsts).push(i);
    ids.add(p.delivery.id);
  });
  try {
    await db.transaction(async (tx) => {
      // The lock, then one read each for the whole group: ids already answered, and the chain
      // with the blocks' headers (which cannot move while the group holds the chain lock shared).
      // The ids go out with the lock (they need no lock: a concurrent claim is caught by the
      // insert); the chain read only once the lock is granted. Pipelined statements run in the
      // order they are sent, but drizzle and postgres.js send on later microtasks, so the order
      // of a Promise.all is not the order on the wire: a read that needs the lock awaits it.
      const hashes = group.flatMap((p) =>
        p.event.type === 'payout.received' && p.event.data.block ? [p.event.data.block.hash] : [],
      );
      const storedRead = tx
        .select()
        .from(webhookEvents)
        .where(sql`${webhookEvents.id} = any(${textArrayLiteral([...ids])}::text[])`)
        .prepare(PREPARED)
        .execute();
      const [, storedRows] = await Promise.all([tx.execute(lockFor(group[0]!.event)!), storedRead]); // payouts only
      const chain = await readChain(tx, hashes);
      const stored = new Map(storedRows.map((row) => [row.id, row]));
      // The items run side by side on the group's one connection: their statements are
      // pipelined (sent together, executed in order), which is where the group's speed comes from.
      // Each item only applies its event; the group then claims every applied id in one insert
      // and writes every audit row in one more (a statement per item each, before).
      const applied: { i: number; status: number; body: string; entries: PlannedEntry[] }[] = [];
      const audits: { i: number; ctx: Ctx; record: Parameters<typeof audit>[2] }[] = [];
      const settled = await Promise.allSettled(
        firsts.map(async (i) => {
          const p = group[i]!;
          const earlier = stored.get(p.delivery.id);
          if (earlier) {
            if (earlier.bodySha256 !== p.bodySha256) {
              outcomes[i] = conflict(
                `webhook-id ${p.delivery.id} was already used for another body; an id names one event for good`,
                { webhook_id: p.delivery.id },
              );
              return;
            }
            audits.push({
              i,
              ctx: p.ctx,
              record: { action: 'fleet.replay', target: p.delivery.id, details: { status: earlier.status } },
            });
            outcomes[i] = { status: earlier.status, body: earlier.response, replayed: true };
            return;
          }
          try {
            applied.push({ i, ...(await apply(p.ctx, tx as Tx, p.delivery.id, p.event, chain)) });
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            outcomes[i] = error;
          }
        }),
      );
      // Every item's statements have finished before the group gives up (and rolls back).
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      for (const a of applied)
        audits.push({ i: a.i, ctx: group[a.i]!.ctx, record: appliedRecord(group[a.i]!, a.status) });
      // Rows in arrival order, as one by one.
      applied.sort((a, b) => a.i - b.i);
      audits.sort((a, b) => a.i - b.i);
      // Claims, audit rows and the ledger entries go out together; the entries last, so the
      // ledger's head and balance rows stay locked only until the commit that follows.
      const [claimed] = await Promise.all([
        applied.length === 0
          ? []
          : tx
              .insert(webhookEvents)
              .values(applied.map((a) => claimRow(group[a.i]!, a)))
              .onConflictDoNothing()
              .returning({ id: webhookEvents.id }),
        auditMany(tx, audits),
        postBtcEntries({ ctx: inTx(group[0]!.ctx, tx as Tx), input: { entries: applied.flatMap((a) => a.entries) } }),
      ]);
      // An id claimed by a concurrent transaction since the group's read: this group's writes
      // for it cannot be undone alone, so the group is re-run one delivery at a time.
      if (claimed.length < applied.length) throw new ClaimedElsewhere();
      for (const a of applied) outcomes[a.i] = { status: a.status, body: a.body, replayed: false };
    });
  } catch (error) {
    for (const p of group)
      if (p.event.type === 'payout.received') forgetOwner({ ctx: p.ctx, input: { address: p.event.data.address } });
    // The database went away (connection lost, mid-group or at the COMMIT): nothing of the group
    // is known written, and no delivery is at fault. Every one is answered with that error (503,
    // Retry-After) at once: re-running each alone would only queue them behind postgres.js's
    // reconnect backoff (20 deliveries took ~40 s to be refused that way). A COMMIT lost in flight
    // may still have committed: the retry then gets the stored answer.
    if (isDatabaseUnavailable(error)) return group.map(() => error as Error);
    return Promise.all(group.map((p) => applyAlone(p).catch((error: Error) => error)));
  }
  for (const i of repeats) outcomes[i] = await applyAlone(group[i]!).catch((error: Error) => error);
  return outcomes;
}

const groups = new WeakMap<Db, GroupCommit<PendingDelivery, DeliveryAnswer>>();

function groupFor(db: Db): GroupCommit<PendingDelivery, DeliveryAnswer> {
  let group = groups.get(db);
  if (!group)
    groups.set(
      db,
      (group = new GroupCommit((items) => applyGroup(db, items), { maxGroup: 100, maxInFlight: 2, gather: true })),
    );
  return group;
}

/** `seen.type` is set once the body parsed as an event (the deliveries metric's label, without a second parse). */
export async function ingestDelivery(
  requestCtx: Ctx,
  delivery: VerifiedDelivery,
  seen: { type?: string } = {},
): Promise<DeliveryAnswer> {
  const ctx: Ctx = { ...requestCtx, actor: FLEET_ACTOR };
  const bodySha256 = sha256(delivery.body);
  const event = parseFleetEvent(delivery.body); // 400/422 before anything is written
  seen.type = event.type;
  const pending = { ctx, delivery, event, bodySha256 };
  // Payouts are grouped with concurrent ones (the group answers replays from one read).
  if (event.type === 'payout.received' && !ctx.tx) return groupFor(ctx.db).submit(pending);
  // Block events take the chain lock alone and move many coins: they go one at a time; so do
  // production reports (each locks its site row). A replay is answered from the stored answer.
  return applyAlone(pending, true);
}
