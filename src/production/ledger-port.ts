// The ledger service calls the production module makes, in one place: it never touches the
// ledger's tables, it asks the ledger inside its own transaction (ctx.tx).
import type { Verb } from '../context.js';
import { energyExpense, energyLiability, postEntry, reverseEntry } from '../ledger/index.js';
import type { Dec } from '../money/fiat.js';

/**
 * Dr Expenses:Energy:<site>, Cr Liabilities:Energy:<supplier>, in the tariff's currency, at the
 * period's start (so a period's expense is the entries with occurred_at in [from, to)). Returns the entry id.
 */
export async function postEnergyCost({
  ctx,
  input: cost,
}: Verb<{
  reportId: string;
  siteId: string;
  supplier: string;
  amount: Dec;
  currency: string;
  occurredAt: Date;
  description: string;
}>): Promise<string> {
  const entry = await postEntry({
    ctx,
    input: {
      kind: 'production.energy',
      description: cost.description,
      occurredAt: cost.occurredAt,
      source: { type: 'production_report', id: cost.reportId },
      postings: [
        { account: energyExpense(cost.siteId), commodity: cost.currency, amount: cost.amount },
        { account: energyLiability(cost.supplier), commodity: cost.currency, amount: cost.amount.neg() },
      ],
    },
  });
  return entry.id;
}

/** Reverses a report's energy entry at the same occurred_at, so the period's expense is the corrected one. */
export async function reverseEnergyCost({
  ctx,
  input: { entryId, reportId, occurredAt, reason },
}: Verb<{ entryId: string; reportId: string; occurredAt: Date; reason: string }>): Promise<string> {
  const reversed = await reverseEntry({
    ctx,
    input: {
      entryId,
      reason,
      kind: 'production.energy.reversal',
      source: { type: 'production_report', id: reportId },
      occurredAt,
    },
  });
  return reversed.id;
}
