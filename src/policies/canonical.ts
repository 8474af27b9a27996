import { createHash } from 'node:crypto';
import { formatBtc } from '../money/btc.js';
import type { Policy } from './document.js';

// The canonical content of a policy, hashed to tell what changed between two starts.
// Keys are sorted and amounts are strings, so the same policy always hashes the same.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What defines the vault's addresses: changing any of it is a new vault. Signer order is irrelevant (sortedmulti). */
export function keySetOf(policy: Policy) {
  return {
    network: policy.network,
    script: policy.script,
    threshold: policy.threshold,
    signers: policy.signers
      .map((s) => ({ fingerprint: s.fingerprint, path: s.path, xpub: s.xpub }))
      .sort((a, b) => (a.xpub < b.xpub ? -1 : a.xpub > b.xpub ? 1 : 0)),
  };
}

/** The stored form of a policy (snake_case JSON, amounts as strings). */
export function policyDocument(policy: Policy) {
  return {
    id: policy.id,
    name: policy.name,
    network: policy.network,
    script: policy.script,
    threshold: policy.threshold,
    signers: policy.signers.map((s) => ({ name: s.name, fingerprint: s.fingerprint, path: s.path, xpub: s.xpub })),
    tier: policy.tier,
    spending: {
      approvals: policy.spending.approvals,
      per_tx_limit_sat: policy.spending.perTxLimitSat.toString(),
      daily_limit_sat: policy.spending.dailyLimitSat.toString(),
      per_tx_limit_btc: formatBtc(policy.spending.perTxLimitSat),
      daily_limit_btc: formatBtc(policy.spending.dailyLimitSat),
      allowed_destinations: policy.spending.allowedDestinations,
      delay_hours: policy.spending.delayHours,
    },
    gap_limit: policy.gapLimit,
    // Only when on, so that the content hash of every policy without it stays as it was.
    disclose: policy.disclose === 'addresses' ? ('addresses' as const) : undefined,
  };
}
export type PolicyDocument = ReturnType<typeof policyDocument>;

export function keySetHash(policy: Policy): string {
  return sha256(canonicalJson(keySetOf(policy)));
}

export function contentHash(policy: Policy): string {
  return sha256(canonicalJson(policyDocument(policy)));
}

/** The top-level fields whose values differ between two stored documents (for the audit row). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k])).sort();
}
