import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { policies, policyAddresses, policyVersions } from '../../db/schema/policies.js';
import { audit } from '../audit/index.js';
import { type Ctx, executor, type Verb, withTransaction } from '../context.js';
import type { NetworkName } from '../bitcoin/networks.js';
import { parsePath } from '../bitcoin/path.js';
import { MultisigWallet } from '../custody/index.js';
import { notFound } from '../errors.js';
import { changedFields, contentHash, keySetHash, type PolicyDocument, policyDocument } from './canonical.js';
import type { Policy, PolicyIssue } from './document.js';
import { PolicyValidationError } from './document.js';

export { loadPoliciesDir, checkPoliciesDir } from './load.js';
export {
  derivationsOf,
  issueAddress,
  resolveAddress,
  listAddresses,
  markAddressUsed,
  type ResolvedAddress,
} from './addresses.js';
export { issueChangeAddress, type IssueChangeInput } from './change.js';

export type PolicyRow = typeof policies.$inferSelect;

export interface SyncResult {
  created: string[];
  versioned: string[];
  unchanged: string[];
  retired: string[];
}

export interface SyncPoliciesInput {
  /** Every policy of the policies directory, as parsePolicyFile validated them. */
  policies: readonly Policy[];
}

/**
 * Stores each policy's canonical hash and version. A new policy is version 1; a change of
 * rules (limits, approvals, tier, names) is a new version with an audit row; a change of the
 * key set (network, script, threshold, keys) of a policy with any address is refused, naming
 * the file. Policies whose file is gone are marked inactive (their addresses still resolve).
 */
export async function syncPolicies({ ctx, input }: Verb<SyncPoliciesInput>): Promise<SyncResult> {
  // The policies were parsed and validated file by file (document.ts) before they reach here.
  const loaded = input.policies;
  return withTransaction(ctx, async (tx) => {
    // Several instances may start together: one syncs at a time.
    await tx.execute(sql`select pg_advisory_xact_lock(7307713)`);
    const result: SyncResult = { created: [], versioned: [], unchanged: [], retired: [] };
    const refusals: PolicyIssue[] = [];
    for (const policy of loaded) {
      const document = policyDocument(policy);
      const hashes = { keysetHash: keySetHash(policy), contentHash: contentHash(policy) };
      const [existing] = await tx.select().from(policies).where(eq(policies.id, policy.id)).for('update');
      const columns = {
        name: policy.name,
        network: policy.network,
        script: policy.script,
        threshold: policy.threshold,
        signerCount: policy.signers.length,
        tier: policy.tier,
        gapLimit: policy.gapLimit,
        ...hashes,
        document,
        active: true,
      };
      if (!existing) {
        await tx.insert(policies).values({ id: policy.id, version: 1, ...columns });
        await tx.insert(policyVersions).values({ policyId: policy.id, version: 1, ...hashes, document });
        await audit(tx, ctx, {
          action: 'policies.create',
          target: policy.id,
          details: { version: 1, content_hash: hashes.contentHash, file: policy.file },
        });
        result.created.push(policy.id);
        continue;
      }
      if (existing.contentHash === hashes.contentHash) {
        if (!existing.active)
          await tx.update(policies).set({ active: true, updatedAt: new Date() }).where(eq(policies.id, policy.id));
        result.unchanged.push(policy.id);
        continue;
      }
      if (existing.keysetHash !== hashes.keysetHash) {
        const [used] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(policyAddresses)
          .where(eq(policyAddresses.policyId, policy.id));
        if (used && used.n > 0) {
          refusals.push({
            file: policy.file,
            field: 'signers',
            reason: `policy ${policy.id} has issued ${used.n} address(es), so its key set (network, script, threshold, keys) may not change; a new key set is a new vault: give it a new id and keep this file as it was`,
          });
          continue;
        }
      }
      const version = existing.version + 1;
      const changed = changedFields(existing.document, document as unknown as Record<string, unknown>);
      await tx
        .update(policies)
        .set({ ...columns, version, updatedAt: new Date() })
        .where(eq(policies.id, policy.id));
      await tx.insert(policyVersions).values({ policyId: policy.id, version, ...hashes, document });
      await audit(tx, ctx, {
        action: existing.keysetHash === hashes.keysetHash ? 'policies.version' : 'policies.rekey_unused',
        target: policy.id,
        details: {
          from_version: existing.version,
          version,
          changed,
          content_hash: hashes.contentHash,
          previous_content_hash: existing.contentHash,
          file: policy.file,
        },
      });
      result.versioned.push(policy.id);
    }
    if (refusals.length > 0) throw new PolicyValidationError(refusals);
    const present = new Set(loaded.map((p) => p.id));
    for (const row of await tx.select({ id: policies.id, active: policies.active }).from(policies)) {
      if (present.has(row.id) || !row.active) continue;
      await tx.update(policies).set({ active: false, updatedAt: new Date() }).where(eq(policies.id, row.id));
      await audit(tx, ctx, {
        action: 'policies.retire',
        target: row.id,
        details: { reason: 'its file is no longer in the policies directory' },
      });
      result.retired.push(row.id);
    }
    return result;
  });
}

export async function listPolicies(ctx: Ctx): Promise<PolicyRow[]> {
  return executor(ctx).select().from(policies).orderBy(asc(policies.id));
}

/** The policy or a 404 problem. */
export async function getPolicy(ctx: Ctx, id: string): Promise<PolicyRow> {
  const [row] = await executor(ctx).select().from(policies).where(eq(policies.id, id));
  if (!row) throw notFound(`policy ${id}`);
  return row;
}

export async function findPolicy(db: Executor, id: string): Promise<PolicyRow | undefined> {
  const [row] = await db.select().from(policies).where(eq(policies.id, id));
  return row;
}

export function documentOf(row: PolicyRow): PolicyDocument {
  return row.document as unknown as PolicyDocument;
}

// Chain nodes are cached per key set: deriving many addresses costs one child derivation per key
// per address. The cache holds public data only and is rebuilt from the database on any instance.
const wallets = new Map<string, MultisigWallet>();
const MAX_CACHED_WALLETS = 256;

/** The derivation wallet of a stored policy. */
export function policyWallet(row: PolicyRow): MultisigWallet {
  const cached = wallets.get(row.keysetHash);
  if (cached) return cached;
  const doc = documentOf(row);
  const wallet = new MultisigWallet({
    network: doc.network as NetworkName,
    script: doc.script,
    threshold: doc.threshold,
    signers: doc.signers.map((s) => {
      const parsed = parsePath(s.path);
      if ('error' in parsed) throw new Error(`stored policy ${row.id} has an invalid path ${s.path}`);
      return { fingerprint: s.fingerprint, path: parsed.indexes, xpub: s.xpub };
    }),
  });
  if (wallets.size >= MAX_CACHED_WALLETS) wallets.delete(wallets.keys().next().value!);
  wallets.set(row.keysetHash, wallet);
  return wallet;
}
