import type { Ctx } from '../context.js';
import { AppError } from '../http/problem.js';
import { findEntryBySource, listAccounts, postEntries, verifyLedger } from '../ledger/service.js';
import { markAddressUsed, resolveAddress } from '../policies/service.js';
import { recordProduction, toReportView } from '../production/reports.js';

// The other modules' services this module calls, in one place: the payouts module never
// touches the ledger's or the policies' tables, it asks their services inside its transaction.

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
export async function ownerOf(ctx: Ctx, address: string): Promise<{ owner: OwnedAddress; firstSeen: boolean } | null> {
  const owners = ownersOf(ctx);
  const remembered = owners.get(address);
  if (remembered) return { owner: remembered, firstSeen: false };
  let resolved: Awaited<ReturnType<typeof resolveAddress>>;
  try {
    resolved = await resolveAddress(ctx, address);
  } catch (error) {
    // The policies name the field `address`; in a webhook body it is `data.address`.
    if (error instanceof AppError && error.code === 'validation_failed') {
      const errors = (error.options.errors ?? []).map((e) => ({
        ...e,
        field: e.field === 'address' ? 'data.address' : e.field,
      }));
      throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
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
export function forgetOwner(ctx: Ctx, address: string): void {
  ownersOf(ctx).delete(address);
}

export async function noteAddressUsed(ctx: Ctx, address: string): Promise<void> {
  await markAddressUsed(ctx, address);
}

export interface BtcPosting {
  account: string;
  amount: bigint;
}

export interface BtcEntry {
  kind: string;
  description: string;
  occurredAt: Date;
  source: { type: string; id: string };
  postings: BtcPosting[];
  /** seq of the entry this one reverses. */
  reverses?: bigint | null;
}

/** Posts BTC entries in ctx.tx under one chain-head lock, in order; returns their ids. */
export async function postBtcEntries(ctx: Ctx, entries: BtcEntry[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const posted = await postEntries(
    ctx,
    entries.map((e) => ({ ...e, postings: e.postings.map((p) => ({ ...p, commodity: 'BTC' })) })),
  );
  return posted.map((p) => p.id);
}

/** The seq of a coin's receipt entry, which its orphaning reverses. */
export async function receiptSeq(ctx: Ctx, outpoint: string): Promise<bigint | null> {
  const receipt = await findEntryBySource(ctx, 'payout.receipt', { type: 'utxo', id: outpoint });
  return receipt?.seq ?? null;
}

/** BTC balances of the accounts at or below a prefix, from the ledger's maintained balances. */
export async function btcBalances(ctx: Ctx, prefix: string): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const account of await listAccounts(ctx, { prefix })) {
    const btc = account.balances.find((b) => b.commodity === 'BTC');
    balances.set(account.name, typeof btc?.balance === 'bigint' ? btc.balance : 0n);
  }
  return balances;
}

export async function ledgerVerifies(ctx: Ctx): Promise<{ ok: boolean; detail: string }> {
  const result = await verifyLedger(ctx);
  return result.ok
    ? { ok: true, detail: `${result.count} entries, head ${result.head_hash}` }
    : { ok: false, detail: `seq ${result.seq}: ${result.reason}` };
}

/**
 * A `production.reported` event's data, recorded by the production module in ctx.tx (the
 * webhook's transaction, beside its idempotency record). The production module names fields
 * relative to the report (`energy_kwh`); in a webhook body they are `data.energy_kwh`.
 */
export async function reportProduction(ctx: Ctx, data: Record<string, unknown>) {
  try {
    const { report, outcome } = await recordProduction(ctx, data, 'webhook');
    return { outcome, report: toReportView(report) };
  } catch (error) {
    if (error instanceof AppError && error.options.errors) {
      const errors = error.options.errors.map((e) => ({
        ...e,
        field: e.field === 'report' ? 'data' : `data.${e.field}`,
      }));
      throw new AppError(error.code, errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        ...error.options,
        errors,
      });
    }
    throw error;
  }
}
