import { z } from 'zod';
import { audit } from '../audit/index.js';
import { type Verb, withTransaction } from '../context.js';
import { parseAlertInput } from './parse.js';
import { type AlertRow, raiseAlertOnce } from './service.js';

// A witness that refuses the log's checkpoint (`reserve witness`: the log shrank, forked or was
// rewritten) reports it here, so the refusal is an alert an officer sees, not a line in a cron mail.

export const WitnessRefusalInput = z.strictObject({
  checkpoint_size: z.string().regex(/^\d{1,19}$/, 'must be a decimal integer string'),
  witness: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s+]+$/, 'must be a key name (no spaces or +)'),
  reason: z.string().min(1).max(2000),
});

/** Raises transparency.checkpoint_refused once per witness and checkpoint while open. */
export async function raiseWitnessRefusal({
  ctx,
  input,
}: Verb<z.input<typeof WitnessRefusalInput>>): Promise<AlertRow> {
  const refusal = parseAlertInput(WitnessRefusalInput, input);
  const source = `witness:${refusal.witness}@${refusal.checkpoint_size}`;
  return withTransaction(ctx, async (tx) => {
    const { alert, raised } = await raiseAlertOnce(tx, {
      kind: 'transparency.checkpoint_refused',
      message: `witness ${refusal.witness} refused checkpoint ${refusal.checkpoint_size}: ${refusal.reason}`,
      details: refusal,
      source,
    });
    await audit(tx, ctx, { action: 'alerts.witness_refusal', target: alert.id, details: { ...refusal, raised } });
    return { alert, acknowledgement: null };
  });
}
