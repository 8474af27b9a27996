import { eq, sql } from 'drizzle-orm';
import { policyAddresses } from '../../db/schema/policies.js';
import { type Ctx, executor } from '../context.js';
import type { PolicyDocument } from './canonical.js';
import { policyDescriptors } from './descriptor.js';
import { documentOf, type PolicyRow } from './service.js';

// Bitcoin Core `importdescriptors` request for a watch-only descriptor wallet: the receive and
// change descriptors, active (so getnewaddress/getrawchangeaddress use them), each with its range.
// `timestamp` is when Core starts rescanning: the vault's first coin's block time (Core itself
// looks 2 hours further back, TIMESTAMP_WINDOW), or "now" for a vault that never received.

export interface CoreExportOptions {
  /** Block time of the vault's first coin (or its earliest recorded time); null when it has none. */
  firstCoinAt: Date | null;
  /** Highest address index issued on either chain, if any: the range covers it plus the gap limit. */
  highestIndex?: number | null;
}

export interface CoreImportRequest {
  desc: string;
  timestamp: number | 'now';
  active: true;
  range: [number, number];
  internal: boolean;
}

export function coreImportDescriptors(policy: PolicyDocument, options: CoreExportOptions): CoreImportRequest[] {
  const { receive, change } = policyDescriptors(policy);
  const timestamp = options.firstCoinAt ? Math.floor(options.firstCoinAt.getTime() / 1000) : 'now';
  const end = (options.highestIndex ?? -1) + policy.gap_limit;
  const range: [number, number] = [0, Math.max(end, policy.gap_limit - 1)];
  return [
    { desc: receive, timestamp, active: true, range, internal: false },
    { desc: change, timestamp, active: true, range, internal: true },
  ];
}

/** The export for a stored policy: range from the addresses handed out, timestamp from the first coin. */
export async function coreExport(ctx: Ctx, policy: PolicyRow): Promise<CoreImportRequest[]> {
  const [row] = await executor(ctx)
    .select({
      highest: sql<number | null>`max(${policyAddresses.index}) filter (where ${policyAddresses.state} <> 'derived')`,
      // An address is derived before any coin can be recognised at it, so its creation bounds the
      // first coin from below: a rescan from there misses nothing.
      firstUsed: sql<string | null>`min(${policyAddresses.createdAt}) filter (where ${policyAddresses.state} = 'used')`,
    })
    .from(policyAddresses)
    .where(eq(policyAddresses.policyId, policy.id));
  return coreImportDescriptors(documentOf(policy), {
    firstCoinAt: row?.firstUsed ? new Date(row.firstUsed) : null,
    highestIndex: row?.highest === null || row?.highest === undefined ? null : Number(row.highest),
  });
}
