// Adjustments as JSON: ids and seqs as strings, times RFC 3339.
import { z } from '@hono/zod-openapi';
import type { AdjustmentRow } from './service.js';
import { WirePosting } from './model.js';

const Person = z.object({ id: z.string(), name: z.string() }).strict();

export const AdjustmentSchema = z
  .object({
    id: z.string().openapi({ example: 'adj_0123456789abcdef0123' }),
    kind: z.enum(['correction', 'energy.payment']),
    state: z.enum(['proposed', 'posted', 'rejected']),
    reason: z.string(),
    reverses_seq: z.string().nullable(),
    postings: z.array(WirePosting).nullable(),
    occurred_at: z.string().nullable(),
    proposed_by: Person,
    proposed_at: z.string(),
    decided_by: Person.nullable(),
    decided_at: z.string().nullable(),
    entry_seq: z.string().nullable().openapi({ description: 'The posted entry, once approved' }),
  })
  .strict()
  .openapi('LedgerAdjustment');

export function toAdjustmentView(row: AdjustmentRow): z.infer<typeof AdjustmentSchema> {
  return {
    id: row.id,
    kind: row.kind as 'correction',
    state: row.state as 'proposed',
    reason: row.reason,
    reverses_seq: row.reversesSeq?.toString() ?? null,
    postings: (row.postings as WirePosting[] | null) ?? null,
    occurred_at: row.occurredAt?.toISOString() ?? null,
    proposed_by: { id: row.proposedBy, name: row.proposedByName },
    proposed_at: row.proposedAt.toISOString(),
    decided_by: row.decidedBy ? { id: row.decidedBy, name: row.decidedByName ?? row.decidedBy } : null,
    decided_at: row.decidedAt?.toISOString() ?? null,
    entry_seq: row.entrySeq?.toString() ?? null,
  };
}
