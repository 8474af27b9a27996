import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { policies, policyAddresses } from '../../db/schema/policies.js';
import { audit } from '../audit/index.js';
import { type Ctx, type Verb, executor, withTransaction } from '../context.js';
import { addressOf, decodeAddress, MAX_ADDRESS_LENGTH } from '../bitcoin/address.js';
import type { NetworkName } from '../bitcoin/networks.js';
import type { Chain, DerivedAddress } from '../custody/index.js';
import { z } from 'zod';
import { conflict, DomainError, invalid, notFound, parseInput } from '../errors.js';
import { type ReusableAddresses, reuseAddress } from './change.js';
import { findPolicy, type PolicyRow, policyWallet } from './service.js';

export type AddressState = 'issued' | 'derived' | 'used';
export type AddressRow = typeof policyAddresses.$inferSelect;

export interface ResolvedAddress {
  address: string;
  policyId: string;
  network: NetworkName;
  chain: 0 | 1;
  index: number;
  witnessScript: Uint8Array;
  scriptPubKey: Uint8Array;
  redeemScript?: Uint8Array;
  bip32Derivations: { fingerprint: string; path: string; pubkey: Uint8Array }[];
  state: AddressState;
  label: string | null;
}

export interface IssueAddressInput {
  policyId: string;
  label: string;
  site?: string;
  pool?: string;
  purpose?: string;
  /** Issue past the gap limit; admin only. */
  force?: boolean;
  /** Addresses to hand out again before a new one (a spend's addresses of spends that ended unbroadcast). */
  reusable?: ReusableAddresses;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export function resolved(
  row: PolicyRow,
  derived: DerivedAddress,
  state: AddressState,
  label: string | null,
): ResolvedAddress {
  return { ...derived, policyId: row.id, network: row.network as NetworkName, state, label };
}

/** The forms an address may be stored under: its canonical encoding on each network it decodes on. */
export function canonicalForms(address: string, decoded: ReturnType<typeof decodeAddress>): string[] {
  return [...new Set(decoded.map((d) => addressOf(d.scriptPubKey, d.network) ?? address))];
}

/**
 * Issues the next receive address (chain 0) of a policy under a label. Asking again with the
 * same label returns the same address; past `gap_limit` issued-but-unused addresses it is a 409
 * unless an admin forces it. The policy row is locked, so concurrent issues get distinct indexes.
 */
export async function issueAddress({
  ctx,
  input,
}: Verb<IssueAddressInput>): Promise<{ address: ResolvedAddress; created: boolean }> {
  return withTransaction(ctx, async (tx) => {
    const [policy] = await tx.select().from(policies).where(eq(policies.id, input.policyId)).for('update');
    if (!policy) throw notFound(`policy ${input.policyId}`);
    if (!policy.active)
      throw conflict(`policy ${policy.id} is retired (its file was removed); it issues no new addresses`);
    const wallet = policyWallet(policy);
    const [existing] = await tx
      .select()
      .from(policyAddresses)
      .where(and(eq(policyAddresses.policyId, policy.id), eq(policyAddresses.label, input.label)));
    if (existing) {
      const same =
        (existing.site ?? undefined) === input.site &&
        (existing.pool ?? undefined) === input.pool &&
        (existing.purpose ?? undefined) === input.purpose;
      if (!same)
        throw conflict(
          `label "${input.label}" already names address ${existing.address} of policy ${policy.id} with a different site, pool or purpose`,
        );
      await audit(tx, ctx, {
        action: 'policies.address.reissue',
        target: existing.address,
        details: { policy_id: policy.id, label: input.label },
      });
      return {
        address: resolved(
          policy,
          wallet.derive(existing.chain as Chain, existing.index),
          existing.state as AddressState,
          existing.label,
        ),
        created: false,
      };
    }
    const reused = await reuseAddress(
      ctx,
      tx,
      { policyId: policy.id, chain: 0, reusable: input.reusable },
      { label: input.label, purpose: input.purpose ?? null },
    );
    if (reused !== null)
      return { address: resolved(policy, wallet.derive(0, reused), 'issued', input.label), created: false };
    // One read of two subqueries that each stay within an index however many addresses the vault has: the
    // issued ones (policy, chain, state) and the highest index (policy, chain, index); one aggregate of both
    // read every receive address of the vault. Read after the policy row's lock, so it sees earlier issues.
    const [counts] = await tx
      .select({
        unused: sql<number>`(select count(*)::int from ${policyAddresses} where ${policyAddresses.policyId} = ${policies.id} and ${policyAddresses.chain} = 0 and ${policyAddresses.state} = 'issued')`,
        next: sql<number>`(select coalesce(max(${policyAddresses.index}) + 1, 0)::int from ${policyAddresses} where ${policyAddresses.policyId} = ${policies.id} and ${policyAddresses.chain} = 0)`,
      })
      .from(policies)
      .where(eq(policies.id, policy.id));
    const unused = counts?.unused ?? 0;
    if (unused >= policy.gapLimit) {
      if (!input.force) {
        throw conflict(
          `policy ${policy.id} already has ${unused} issued addresses that have received nothing (gap limit ${policy.gapLimit}); wallets scanning ${policy.gapLimit} ahead would miss further payments. Use an issued address, or an admin may pass force: true`,
          { gap_limit: policy.gapLimit, unused },
        );
      }
      if (ctx.actor.role !== 'admin' && ctx.actor.role !== 'system')
        throw new DomainError('forbidden', 'only an admin may force an address past the gap limit');
    }
    const derived = wallet.derive(0, counts?.next ?? 0);
    await tx.insert(policyAddresses).values({
      address: derived.address,
      policyId: policy.id,
      chain: 0,
      index: derived.index,
      scriptPubKey: hex(derived.scriptPubKey),
      witnessScript: hex(derived.witnessScript),
      state: 'issued',
      label: input.label,
      site: input.site ?? null,
      pool: input.pool ?? null,
      purpose: input.purpose ?? null,
      issuedAt: new Date(),
      issuedBy: ctx.actor.keyId ?? ctx.actor.name,
    });
    await audit(tx, ctx, {
      action: 'policies.address.issue',
      target: derived.address,
      details: {
        policy_id: policy.id,
        chain: 0,
        index: derived.index,
        label: input.label,
        site: input.site,
        pool: input.pool,
        purpose: input.purpose,
        forced: unused >= policy.gapLimit,
      },
    });
    return { address: resolved(policy, derived, 'issued', input.label), created: true };
  });
}

/**
 * Which policy an address belongs to. Null when it is a valid address of a network the
 * deployment uses but not the reserve's; a 422 (field `address`) when it is valid on none of
 * them. Finds addresses derivable but not issued (up to gap_limit past the highest known index
 * on chains 0 and 1) and records them as `derived`, so that a payment to one is recognised.
 */
export async function resolveAddress(ctx: Ctx, address: string): Promise<ResolvedAddress | null> {
  const db = executor(ctx);
  const all = await db.select().from(policies).orderBy(asc(policies.id));
  const networks = [...new Set(all.map((p) => p.network as NetworkName))];
  if (typeof address !== 'string' || address.length > MAX_ADDRESS_LENGTH)
    throw invalid('address', `must be a bitcoin address of at most ${MAX_ADDRESS_LENGTH} characters`);
  const decoded = decodeAddress(address, networks);
  if (decoded.length === 0) {
    throw invalid(
      'address',
      networks.length === 0
        ? 'no custody policy is loaded, so no address is valid here'
        : `is not a valid address on the networks this deployment's policies use (${networks.join(', ')})`,
    );
  }
  const canonical = canonicalForms(address, decoded);
  const byPolicy = new Map(all.map((p) => [p.id, p]));
  const [known] = await db.select().from(policyAddresses).where(inArray(policyAddresses.address, canonical));
  if (known) {
    const policy = byPolicy.get(known.policyId)!;
    return resolved(
      policy,
      policyWallet(policy).derive(known.chain as Chain, known.index),
      known.state as AddressState,
      known.label,
    );
  }
  for (const { network, scriptPubKey } of decoded) {
    const scriptType =
      scriptPubKey.length === 34 && scriptPubKey[0] === 0 && scriptPubKey[1] === 0x20
        ? 'p2wsh'
        : scriptPubKey.length === 23 && scriptPubKey[0] === 0xa9
          ? 'p2sh-p2wsh'
          : null;
    if (!scriptType) continue;
    for (const policy of all.filter((p) => p.network === network && p.script === scriptType)) {
      const found = await scanPolicy(ctx, policy, scriptPubKey);
      if (found) return found;
    }
  }
  return null;
}

// Scripts already derived while scanning, per key set, so that repeated look-ups of foreign
// addresses derive only indexes not seen before. Public data; bounded per key set.
const scanned = new Map<string, { byScript: Map<string, [Chain, number]>; next: [number, number] }>();
const MAX_SCANNED_PER_KEYSET = 200_000;

async function scanPolicy(ctx: Ctx, policy: PolicyRow, scriptPubKey: Uint8Array): Promise<ResolvedAddress | null> {
  const wallet = policyWallet(policy);
  const target = hex(scriptPubKey);
  let memo = scanned.get(policy.keysetHash);
  if (!memo || memo.byScript.size > MAX_SCANNED_PER_KEYSET) {
    memo = { byScript: new Map(), next: [0, 0] };
    scanned.set(policy.keysetHash, memo);
  }
  const [highest] = await executor(ctx)
    .select({
      receive: sql<number>`coalesce(max(${policyAddresses.index}) filter (where ${policyAddresses.chain} = 0), -1)::int`,
      change: sql<number>`coalesce(max(${policyAddresses.index}) filter (where ${policyAddresses.chain} = 1), -1)::int`,
    })
    .from(policyAddresses)
    .where(eq(policyAddresses.policyId, policy.id));
  for (const chain of [0, 1] as const) {
    const upTo = (chain === 0 ? highest!.receive : highest!.change) + policy.gapLimit;
    for (let index = memo.next[chain]; index <= upTo; index++)
      memo.byScript.set(hex(wallet.derive(chain, index).scriptPubKey), [chain, index]);
    memo.next[chain] = Math.max(memo.next[chain], upTo + 1);
  }
  const position = memo.byScript.get(target);
  if (!position) return null;
  const [chain, index] = position;
  const derived = wallet.derive(chain, index);
  await withTransaction(ctx, (tx) =>
    tx
      .insert(policyAddresses)
      .values({
        address: derived.address,
        policyId: policy.id,
        chain,
        index,
        scriptPubKey: target,
        witnessScript: hex(derived.witnessScript),
        state: 'derived',
      })
      .onConflictDoNothing(),
  );
  const [row] = await executor(ctx).select().from(policyAddresses).where(eq(policyAddresses.address, derived.address));
  return resolved(policy, derived, (row?.state ?? 'derived') as AddressState, row?.label ?? null);
}

const MarkAddressUsedInput = z.object({ address: z.string().min(1).max(MAX_ADDRESS_LENGTH) }).strict();

/** Marks an address as having received funds (called by the payouts module inside its transaction). */
export async function markAddressUsed({ ctx, input }: Verb<z.infer<typeof MarkAddressUsedInput>>): Promise<void> {
  const { address } = parseInput(MarkAddressUsedInput, input);
  await withTransaction(ctx, (tx) =>
    tx.update(policyAddresses).set({ state: 'used' }).where(eq(policyAddresses.address, address)),
  );
}

export const MAX_LIST_COUNT = 1000;

/** Derived addresses `from .. from+count-1` of one chain, with what the database knows of each. */
export async function listAddresses(ctx: Ctx, input: { policyId: string; chain: Chain; from: number; count: number }) {
  const policy = await findPolicy(executor(ctx), input.policyId);
  if (!policy) throw notFound(`policy ${input.policyId}`);
  const wallet = policyWallet(policy);
  const rows = await executor(ctx)
    .select()
    .from(policyAddresses)
    .where(
      and(
        eq(policyAddresses.policyId, policy.id),
        eq(policyAddresses.chain, input.chain),
        gte(policyAddresses.index, input.from),
        lt(policyAddresses.index, input.from + input.count),
      ),
    );
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  const items: { derived: DerivedAddress; row: AddressRow | undefined }[] = [];
  for (let index = input.from; index < input.from + input.count && index <= 0x7fffffff; index++) {
    items.push({ derived: wallet.derive(input.chain, index), row: byIndex.get(index) });
  }
  return { policy, items };
}

/** Where each of these addresses sits in its policy (chain and index), for those the policies issued. */
export async function derivationsOf(
  ctx: Ctx,
  addresses: readonly string[],
): Promise<Map<string, { policyId: string; chain: Chain; index: number }>> {
  const wanted = [...new Set(addresses)];
  if (wanted.length === 0) return new Map();
  const rows = await executor(ctx)
    .select({
      address: policyAddresses.address,
      policyId: policyAddresses.policyId,
      chain: policyAddresses.chain,
      index: policyAddresses.index,
    })
    .from(policyAddresses)
    .where(inArray(policyAddresses.address, wanted));
  return new Map(rows.map((r) => [r.address, { policyId: r.policyId, chain: r.chain as Chain, index: r.index }]));
}
