import type { Executor } from '../../db/client.js';
import type { Ctx, Verb } from '../context.js';
import { DomainError } from '../errors.js';
import { markAddressUsed, resolveAddress } from '../policies/index.js';
import { getSite, recordProduction, toReportView } from '../production/index.js';

// The other modules' services this module calls, in one place: the payouts module never
// touches the ledger's or the policies' tables, it asks their services inside its transaction.

/** A payout's address, as the event's parser checked it. */
export interface AddressInput {
  address: string;
}

export interface OwnedAddress {
  policyId: string;
  network: string;
  scriptPubKey: Uint8Array;
}

/**
 * Which policy owns an address is fixed for good (a policy's key set never changes under its
 * id), so resolutions are remembered per process: resolving costs derivations, and every
 * payout needs one. Foreign and invalid addresses are never remembered.
 */
const OWNER_CACHE_MAX = 50_000;
const ownersByDb = new WeakMap<object, Map<string, OwnedAddress>>();

function ownersOf(ctx: Ctx): Map<string, OwnedAddress> {
  let owners = ownersByDb.get(ctx.db);
  if (!owners) ownersByDb.set(ctx.db, (owners = new Map()));
  return owners;
}

/** The policy that owns an address, or null for an address the reserve does not control (422 if invalid). */
export async function ownerOf({
  ctx,
  input: { address },
}: Verb<AddressInput>): Promise<{ owner: OwnedAddress; firstSeen: boolean } | null> {
  const owners = ownersOf(ctx);
  const remembered = owners.get(address);
  if (remembered) return { owner: remembered, firstSeen: false };
  let resolved: Awaited<ReturnType<typeof resolveAddress>>;
  try {
    resolved = await resolveAddress(ctx, address);
  } catch (error) {
    // The policies name the field `address`; in a webhook body it is `data.address`.
    if (error instanceof DomainError && error.code === 'validation_failed') {
      const errors = (error.options.errors ?? []).map((e) => ({
        ...e,
        field: e.field === 'address' ? 'data.address' : e.field,
      }));
      throw new DomainError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
    }
    throw error;
  }
  if (!resolved) return null;
  const owner = { policyId: resolved.policyId, network: resolved.network, scriptPubKey: resolved.scriptPubKey };
  if (owners.size >= OWNER_CACHE_MAX) owners.delete(owners.keys().next().value!);
  owners.set(address, owner);
  return { owner, firstSeen: resolved.state !== 'used' };
}

/** Forgets a resolution, so that the next payout to it marks it used again (after a rollback). */
export function forgetOwner({ ctx, input: { address } }: Verb<AddressInput>): void {
  ownersOf(ctx).delete(address);
}

export async function noteAddressUsed({ ctx, input }: Verb<AddressInput>): Promise<void> {
  await markAddressUsed({ ctx, input });
}

/**
 * A `production.reported` event's data, recorded by the production module in ctx.tx (the
 * webhook's transaction, beside its idempotency record). The production module names fields
 * relative to the report (`energy_kwh`); in a webhook body they are `data.energy_kwh`.
 */
export async function reportProduction({ ctx, input: data }: Verb<Record<string, unknown>>) {
  try {
    const { report, outcome } = await recordProduction({ ctx, input: { report: data, source: 'webhook' } });
    return { outcome, report: toReportView(report) };
  } catch (error) {
    if (error instanceof DomainError && error.options.errors) {
      const errors = error.options.errors.map((e) => ({
        ...e,
        field: e.field === 'report' ? 'data' : `data.${e.field}`,
      }));
      throw new DomainError(error.code, errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        ...error.options,
        errors,
      });
    }
    throw error;
  }
}

/** Registered sites, remembered per process once seen (a site is never deleted). */
const sitesByDb = new WeakMap<object, Set<string>>();

/** Whether `siteId` is a registered mining site (production/), read in the caller's transaction. */
export async function siteIsKnown(ctx: Ctx, tx: Executor, siteId: string): Promise<boolean> {
  let known = sitesByDb.get(ctx.db);
  if (!known) sitesByDb.set(ctx.db, (known = new Set()));
  if (known.has(siteId)) return true;
  try {
    await getSite(tx, siteId);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') return false;
    throw error;
  }
  known.add(siteId);
  return true;
}
