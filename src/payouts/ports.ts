import type { Ctx } from '../context.js';
import { AppError } from '../http/problem.js';
import { listAccounts, postEntry, reverseEntry, verifyLedger } from '../ledger/service.js';
import { markAddressUsed, resolveAddress } from '../policies/service.js';

// The other modules' services this module calls, in one place: the payouts module never
// touches the ledger's or the policies' tables, it asks their services inside its transaction.

export interface OwnedAddress {
  policyId: string;
  network: string;
  scriptPubKey: Uint8Array;
}

/** The policy that owns an address, or null for an address the reserve does not control (422 if invalid). */
export async function ownerOf(ctx: Ctx, address: string): Promise<OwnedAddress | null> {
  let resolved;
  try {
    resolved = await resolveAddress(ctx, address);
  } catch (error) {
    // The policies name the field `address`; in a webhook body it is `data.address`.
    if (error instanceof AppError && error.code === 'validation_failed') {
      const errors = (error.options.errors ?? []).map((e) => ({ ...e, field: e.field === 'address' ? 'data.address' : e.field }));
      throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
    }
    throw error;
  }
  if (!resolved) return null;
  return { policyId: resolved.policyId, network: resolved.network, scriptPubKey: resolved.scriptPubKey };
}

export async function noteAddressUsed(ctx: Ctx, address: string): Promise<void> {
  await markAddressUsed(ctx, address);
}

export interface BtcPosting {
  account: string;
  amount: bigint;
}

/** Posts a BTC entry in ctx.tx; returns the entry id. */
export async function postBtcEntry(
  ctx: Ctx,
  entry: { kind: string; description: string; occurredAt: Date; source: { type: string; id: string }; postings: BtcPosting[] },
): Promise<string> {
  const posted = await postEntry(ctx, { ...entry, postings: entry.postings.map((p) => ({ ...p, commodity: 'BTC' })) });
  return posted.id;
}

export async function reverseBtcEntry(ctx: Ctx, entryId: string, input: { kind: string; reason: string; source: { type: string; id: string }; occurredAt: Date }): Promise<string> {
  const reversed = await reverseEntry(ctx, { entryId, ...input });
  return reversed.id;
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
  return result.ok ? { ok: true, detail: `${result.count} entries, head ${result.head_hash}` } : { ok: false, detail: `seq ${result.seq}: ${result.reason}` };
}
