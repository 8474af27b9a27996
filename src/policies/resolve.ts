// Many addresses resolved at once (an export's page of coins): one read of the policies and one of
// the addresses the policies know, instead of resolveAddress's two reads per address; each known
// address derived once per process (derivations are public and deterministic, so they are kept).
import { asc, inArray } from 'drizzle-orm';
import { policies, policyAddresses } from '../../db/schema/policies.js';
import { decodeAddress, MAX_ADDRESS_LENGTH } from '../bitcoin/address.js';
import type { NetworkName } from '../bitcoin/networks.js';
import { type Ctx, executor } from '../context.js';
import type { Chain, DerivedAddress } from '../custody/index.js';
import { type AddressState, canonicalForms, type ResolvedAddress, resolveAddress, resolved } from './addresses.js';
import { type PolicyRow, policyWallet } from './service.js';

// Derived addresses by key set, chain and index: a derivation costs one child key per signer (elliptic
// curve arithmetic, ~0.1 ms each), the same coins come back in every export. Bounded, oldest out first.
const derivations = new Map<string, DerivedAddress>();
const MAX_CACHED_DERIVATIONS = 20_000;

function derive(policy: PolicyRow, chain: Chain, index: number): DerivedAddress {
  const key = `${policy.keysetHash}/${chain}/${index}`;
  const cached = derivations.get(key);
  if (cached) return cached;
  const derived = policyWallet(policy).derive(chain, index);
  if (derivations.size >= MAX_CACHED_DERIVATIONS) derivations.delete(derivations.keys().next().value!);
  derivations.set(key, derived);
  return derived;
}

/**
 * What resolveAddress answers for each of these addresses, in a read or two for all of them: the
 * policy an address belongs to, its chain, index, scripts and each signer's derivation. Null for an
 * address that is not the reserve's and for one valid on none of the deployment's networks (which
 * resolveAddress refuses with a 422). An address the policies have not recorded yet goes through
 * resolveAddress itself (the gap-limit scan, which records it as `derived` when it finds it).
 */
export async function resolveAddresses(
  ctx: Ctx,
  addresses: readonly string[],
): Promise<Map<string, ResolvedAddress | null>> {
  const out = new Map<string, ResolvedAddress | null>();
  const wanted: string[] = [];
  for (const address of new Set(addresses)) {
    if (typeof address === 'string' && address.length <= MAX_ADDRESS_LENGTH) wanted.push(address);
    else out.set(address, null);
  }
  if (wanted.length === 0) return out;
  const db = executor(ctx);
  const all = await db.select().from(policies).orderBy(asc(policies.id));
  const byPolicy = new Map(all.map((p) => [p.id, p]));
  const read = (forms: readonly string[]) =>
    db.select().from(policyAddresses).where(inArray(policyAddresses.address, forms));
  // A stored address is its own canonical form (it was derived), so an address found as written is
  // the row resolveAddress finds through the canonical forms; decoding (~0.1 ms an address) is left to the others.
  const known = new Map((await read(wanted)).map((r) => [r.address, r]));
  const rest = wanted.filter((a) => !known.has(a));
  const forms = new Map<string, string[]>();
  if (rest.length > 0) {
    const networks = [...new Set(all.map((p) => p.network as NetworkName))];
    for (const address of rest) {
      const decoded = decodeAddress(address, networks);
      if (decoded.length > 0) forms.set(address, canonicalForms(address, decoded));
      else out.set(address, null);
    }
    const lookups = [...new Set([...forms.values()].flat())].filter((f) => !known.has(f));
    if (lookups.length > 0) for (const r of await read(lookups)) known.set(r.address, r);
  }
  const unknown: string[] = [];
  for (const address of wanted) {
    if (out.has(address)) continue;
    const row = (forms.get(address) ?? [address]).map((form) => known.get(form)).find((r) => r !== undefined);
    const policy = row && byPolicy.get(row.policyId);
    if (!row || !policy) {
      unknown.push(address);
      continue;
    }
    out.set(
      address,
      resolved(policy, derive(policy, row.chain as Chain, row.index), row.state as AddressState, row.label),
    );
  }
  // Rare (a coin at an address no one issued): one at a time, as resolveAddress scans and records it.
  for (const address of unknown) out.set(address, await resolveAddress(ctx, address).catch(() => null));
  return out;
}
