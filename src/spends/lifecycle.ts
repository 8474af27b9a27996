import { audit } from '../audit/index.js';
import { type Ctx, executor, inTx, type Verb, withTransaction } from '../context.js';
import { endSpend } from './expire.js';
import { stateConflict } from './model.js';
import { lockSpend, readSpend, type SpendRecord, type SpendRow, setState } from './store.js';

// Cancel (before broadcast), the raw transaction (once signed and the delay has passed) and the
// operator's report that they sent it. Reserve is air-gapped: it never sends anything itself.

const HOUR_MS = 3_600_000;

export function broadcastAllowedAt(spend: SpendRow): Date | null {
  return spend.approvedAt ? new Date(spend.approvedAt.getTime() + spend.delayHours * HOUR_MS) : null;
}

function assertReleasable(spend: SpendRow, now: Date) {
  if (!['signed', 'broadcast', 'confirmed'].includes(spend.state) || !spend.finalTxHex)
    throw stateConflict('state', `spend ${spend.id} is ${spend.state}; its transaction exists once it is signed`, {
      state: spend.state,
    });
  const allowed = broadcastAllowedAt(spend)!;
  if (allowed > now)
    throw stateConflict(
      'delay',
      `spend ${spend.id}'s delay of ${spend.delayHours} h runs until ${allowed.toISOString()}`,
      { delay_hours: spend.delayHours, broadcast_allowed_at: allowed.toISOString() },
    );
}

export async function cancelSpend({ ctx, input }: Verb<{ id: string }>): Promise<SpendRecord> {
  return withTransaction(ctx, async (tx) => {
    const record = await lockSpend(tx, input.id);
    if (!['proposed', 'approved', 'signed'].includes(record.spend.state))
      throw stateConflict(
        'state',
        `spend ${record.spend.id} is ${record.spend.state}; only a spend not yet broadcast can be cancelled`,
        { state: record.spend.state },
      );
    await endSpend(inTx(ctx, tx), record, 'cancelled', `cancelled by ${ctx.actor.name}`);
    return lockSpend(tx, input.id);
  });
}

export async function spendTransaction(ctx: Ctx, id: string) {
  const { spend } = await readSpend(executor(ctx), id);
  assertReleasable(spend, new Date());
  return { txid: spend.txid, raw_tx_hex: spend.finalTxHex!, vsize: spend.finalVsize!, fee_sat: spend.feeSat };
}

export async function reportBroadcast({ ctx, input }: Verb<{ id: string }>): Promise<SpendRecord> {
  return withTransaction(ctx, async (tx) => {
    const record = await lockSpend(tx, input.id);
    if (record.spend.state === 'broadcast' || record.spend.state === 'confirmed') return record;
    if (record.spend.state !== 'signed')
      throw stateConflict(
        'state',
        `spend ${record.spend.id} is ${record.spend.state}; it can be reported sent once signed`,
        { state: record.spend.state },
      );
    assertReleasable(record.spend, new Date());
    await setState(tx, record.spend.id, 'broadcast', { broadcastAt: new Date() });
    await audit(tx, ctx, { action: 'spends.broadcast', target: record.spend.id, details: { txid: record.spend.txid } });
    return lockSpend(tx, input.id);
  });
}
