import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../../db/client.js';
import { webhookEvents } from '../../db/schema/payouts.js';
import { audit } from '../audit/service.js';
import { type Ctx, FLEET_ACTOR, inTx, withTransaction } from '../context.js';
import { AppError, conflict } from '../http/problem.js';
import { applyBlockEvent } from './blocks.js';
import { type FleetEvent, parseFleetEvent } from './events.js';
import type { PlannedEntry } from './coins.js';
import { forgetOwner, postBtcEntries } from './ports.js';
import { receivePayout } from './receive.js';
import type { VerifiedDelivery } from './signature.js';

// One verified delivery from the fleet, applied exactly once. The webhook-id is the idempotency
// key: the event is applied and its id claimed with the answer and a SHA-256 of the body in one
// transaction (a concurrent duplicate waits on the claim, then answers as the first did). A retry with the same
// body gets the stored answer; the same id with another body is a 409. Anything refused rolls
// the whole transaction back, so a refused delivery writes nothing (a foreign address excepted:
// its alert and its stored 422 are the point).

/** Payouts take the chain lock shared (they run side by side); block events take it alone. */
const CHAIN_LOCK = 7307751;

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

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function storedAnswer(db: Executor, id: string, bodySha256: string): Promise<DeliveryAnswer | null> {
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
  if (!row) return null;
  if (row.bodySha256 !== bodySha256) {
    throw conflict(`webhook-id ${id} was already used for another body; an id names one event for good`, { webhook_id: id });
  }
  return { status: row.status, body: row.response, replayed: true };
}

async function apply(ctx: Ctx, tx: Tx, id: string, event: FleetEvent): Promise<{ status: number; body: string; entries: PlannedEntry[] }> {
  if (event.type === 'payout.received') {
    const outcome = await receivePayout(ctx, tx, { id, occurredAt: event.occurredAt, data: event.data });
    if (outcome.kind === 'foreign') return { status: outcome.problem.status, body: JSON.stringify(outcome.problem.toProblem()), entries: [] };
    return { status: 200, body: JSON.stringify(outcome.result), entries: outcome.entries };
  }
  const { result, entries } = await applyBlockEvent(ctx, tx, { id, occurredAt: event.occurredAt, connected: event.type === 'block.connected', data: event.data });
  return { status: 200, body: JSON.stringify(result), entries };
}

export async function ingestDelivery(requestCtx: Ctx, delivery: VerifiedDelivery): Promise<DeliveryAnswer> {
  const ctx: Ctx = { ...requestCtx, actor: FLEET_ACTOR };
  const bodySha256 = sha256(delivery.body);
  const earlier = await storedAnswer(ctx.db, delivery.id, bodySha256);
  if (earlier) {
    await audit(ctx.db, ctx, { action: 'fleet.replay', target: delivery.id, details: { status: earlier.status } });
    return earlier;
  }
  const event = parseFleetEvent(delivery.body); // 400/422 before anything is written
  try {
    return await withTransaction(ctx, async (tx) => {
      const lock = event.type === 'payout.received' ? sql`select pg_advisory_xact_lock_shared(${CHAIN_LOCK})` : sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`;
      await tx.execute(lock);
      const answer = await apply(ctx, tx, delivery.id, event);
      // The id is claimed with the answer. A concurrent delivery of the same id that got here
      // first makes this insert wait for its commit and then do nothing: answer as it did.
      const [claimed] = await tx
        .insert(webhookEvents)
        .values({ id: delivery.id, bodySha256, type: event.type, status: answer.status, response: answer.body })
        .onConflictDoNothing()
        .returning({ id: webhookEvents.id });
      if (!claimed) throw new StoredAnswer((await storedAnswer(tx, delivery.id, bodySha256))!);
      await audit(tx, ctx, { action: `fleet.${event.type}`, target: delivery.id, outcome: answer.status < 300 ? 'ok' : 'rejected', status: answer.status });
      // Last, so the ledger's head and balance rows stay locked only until the commit that follows.
      await postBtcEntries(inTx(ctx, tx), answer.entries);
      return { status: answer.status, body: answer.body, replayed: false };
    });
  } catch (error) {
    // A rolled-back payout may have been the one to mark its address used: let the next one do it.
    if (event.type === 'payout.received') forgetOwner(event.data.address);
    if (error instanceof StoredAnswer) {
      await audit(ctx.db, ctx, { action: 'fleet.replay', target: delivery.id, details: { status: error.answer.status } });
      return error.answer;
    }
    if (error instanceof AppError) throw error;
    // A unique-constraint race on the same webhook-id: the other transaction's answer stands.
    if ((error as { code?: string }).code === '23505') {
      const raced = await storedAnswer(ctx.db, delivery.id, bodySha256);
      if (raced) return raced;
    }
    throw error;
  }
}
