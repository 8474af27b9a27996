// A vault's version history: every stored version of its policy document, oldest first, each with
// what changed from the version before it, field by field (nested rules by their dotted path, e.g.
// spending.approvals), so a reader sees when a limit or an approval count moved and from what.
import { asc, eq } from 'drizzle-orm';
import { policyVersions } from '../../db/schema/policies.js';
import { type Ctx, executor } from '../context.js';
import { canonicalJson } from './canonical.js';

export interface PolicyChange {
  /** Dotted path in the policy document, e.g. `spending.per_tx_limit_btc`. */
  field: string;
  /** The value before, as canonical JSON; null when the field is new. */
  before: string | null;
  /** The value after, as canonical JSON; null when the field was removed. */
  after: string | null;
}

export interface PolicyVersionEntry {
  version: number;
  createdAt: Date;
  contentHash: string;
  keysetHash: string;
  /** What changed from the previous version; empty for version 1. */
  changes: PolicyChange[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The leaves of a document by dotted path; arrays are leaves (a list of destinations is one rule). */
function leaves(value: unknown, path: string, out: Map<string, string>) {
  if (isRecord(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined) out.set(path, canonicalJson(value));
  return out;
}

/** Field-by-field difference of two policy documents, sorted by path. Pure. */
export function policyChanges(before: Record<string, unknown>, after: Record<string, unknown>): PolicyChange[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  return [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => a.get(k) !== b.get(k))
    .sort()
    .map((field) => ({ field, before: a.get(field) ?? null, after: b.get(field) ?? null }));
}

/** Every version of the policy, oldest first, with its changes (empty if the policy is unknown). */
export async function policyHistory(ctx: Ctx, policyId: string): Promise<PolicyVersionEntry[]> {
  const rows = await executor(ctx)
    .select()
    .from(policyVersions)
    .where(eq(policyVersions.policyId, policyId))
    .orderBy(asc(policyVersions.version));
  return rows.map((r, i) => ({
    version: r.version,
    createdAt: r.createdAt,
    contentHash: r.contentHash,
    keysetHash: r.keysetHash,
    changes: i === 0 ? [] : policyChanges(rows[i - 1]!.document, r.document),
  }));
}
