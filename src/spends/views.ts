import { z } from '@hono/zod-openapi';
import { formatBtc } from '../money/btc.js';
import { broadcastAllowedAt } from './lifecycle.js';
import type { SpendRecord } from './store.js';

// The answer's shape: amounts as strings (satoshis and BTC), timestamps RFC 3339.

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const amounts = (sat: bigint) => ({ amount_sat: sat.toString(), amount_btc: formatBtc(sat) });

const Amounts = { amount_sat: z.string(), amount_btc: z.string() };
export const SpendSchema = z
  .strictObject({
    id: z.string(),
    state: z.enum([
      'proposed',
      'approved',
      'signed',
      'broadcast',
      'confirmed',
      'rejected',
      'cancelled',
      'expired',
      'invalidated',
    ]),
    policy_id: z.string(),
    policy_version: z.number().int(),
    purpose: z.string(),
    account: z.string(),
    proposed_by: z.string(),
    digest: z.string(),
    unsigned_txid: z.string(),
    txid: z.string(),
    inputs: z.array(
      z.strictObject({
        txid: z.string(),
        vout: z.number().int(),
        address: z.string(),
        coinbase: z.boolean(),
        ...Amounts,
      }),
    ),
    outputs: z.array(
      z.strictObject({
        vout: z.number().int(),
        address: z.string(),
        label: z.string().nullable(),
        kind: z.enum(['external', 'vault', 'change']),
        policy_id: z.string().nullable(),
        ...Amounts,
      }),
    ),
    change: z.strictObject({ vout: z.number().int(), address: z.string(), ...Amounts }).nullable(),
    ...Amounts,
    fee_sat: z.string(),
    vsize: z.number().int(),
    fee_rate_sat_vb: z.string(),
    includes_coinbase: z.boolean(),
    warnings: z.array(z.string()),
    approvals_required: z.number().int(),
    approvals: z.array(
      z.strictObject({
        key_id: z.string(),
        name: z.string(),
        decision: z.enum(['approve', 'reject']),
        comment: z.string().nullable(),
        at: z.string(),
      }),
    ),
    signatures: z.array(
      z.strictObject({ input: z.number().int(), signed_by: z.array(z.string()), required: z.number().int() }),
    ),
    uploads: z.number().int(),
    delay_hours: z.number().int(),
    created_at: z.string(),
    expires_at: z.string(),
    approved_at: z.string().nullable(),
    broadcast_allowed_at: z.string().nullable(),
    signed_at: z.string().nullable(),
    final_vsize: z.number().int().nullable(),
    broadcast_at: z.string().nullable(),
    confirmed_at: z.string().nullable(),
    block_hash: z.string().nullable(),
    block_height: z.number().int().nullable(),
    ended_at: z.string().nullable(),
  })
  .openapi('Spend');

function signatureProgress(record: SpendRecord) {
  const held = new Map<number, Map<string, string>>();
  for (const upload of record.uploads) {
    for (const s of upload.signatures) {
      const m = held.get(s.input) ?? new Map<string, string>();
      m.set(s.pubkey, s.fingerprint);
      held.set(s.input, m);
    }
  }
  return record.inputs.map((_, input) => ({
    input,
    signed_by: [...new Set((held.get(input) ?? new Map()).values())],
    required: 0,
  }));
}

export function toSpendView(record: SpendRecord): z.infer<typeof SpendSchema> {
  const { spend } = record;
  const change = record.outputs.find((o) => o.kind === 'change');
  const rate = spend.feeRateMsatVb;
  return {
    id: spend.id,
    state: spend.state,
    policy_id: spend.policyId,
    policy_version: spend.policyVersion,
    purpose: spend.purpose,
    account: spend.account,
    proposed_by: spend.proposedBy,
    digest: spend.digest,
    unsigned_txid: spend.unsignedTxid,
    txid: spend.txid,
    inputs: record.inputs.map((i) => ({
      txid: i.txid,
      vout: Number(i.vout),
      address: i.address,
      coinbase: i.coinbase,
      ...amounts(i.amountSat),
    })),
    outputs: record.outputs.map((o) => ({
      vout: o.vout,
      address: o.address,
      label: o.label,
      kind: o.kind as 'external' | 'vault' | 'change',
      policy_id: o.destPolicyId,
      ...amounts(o.amountSat),
    })),
    change: change ? { vout: change.vout, address: change.address, ...amounts(change.amountSat) } : null,
    ...amounts(spend.amountSat),
    fee_sat: spend.feeSat.toString(),
    vsize: spend.vsize,
    fee_rate_sat_vb: `${rate / 1000n}${rate % 1000n ? `.${(rate % 1000n).toString().padStart(3, '0').replace(/0+$/, '')}` : ''}`,
    includes_coinbase: spend.includesCoinbase,
    warnings: spend.includesCoinbase
      ? [
          'the spend includes coinbase coins: some hardware wallets (Coldcard, by its documented limitations) refuse coinbase inputs',
        ]
      : [],
    approvals_required: spend.approvalsRequired,
    approvals: record.approvals.map((a) => ({
      key_id: a.keyId,
      name: a.name,
      decision: a.decision as 'approve' | 'reject',
      comment: a.comment,
      at: a.at.toISOString(),
    })),
    signatures: signatureProgress(record).map((p) => ({ ...p, required: spend.threshold })),
    uploads: record.uploads.length,
    delay_hours: spend.delayHours,
    created_at: spend.createdAt.toISOString(),
    expires_at: spend.expiresAt.toISOString(),
    approved_at: iso(spend.approvedAt),
    broadcast_allowed_at: iso(broadcastAllowedAt(spend)),
    signed_at: iso(spend.signedAt),
    final_vsize: spend.finalVsize,
    broadcast_at: iso(spend.broadcastAt),
    confirmed_at: iso(spend.confirmedAt),
    block_hash: spend.blockHash,
    block_height: spend.blockHeight,
    ended_at: iso(spend.endedAt),
  };
}
