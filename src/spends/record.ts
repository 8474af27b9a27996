import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { spendOutputs, spends } from '../../db/schema/spends.js';
import { audit } from '../audit/index.js';
import type { Ctx } from '../context.js';
import type { ComposedSpend, Funding } from '../custody/index.js';
import type { ResolvedOutput } from './propose.js';
import type { Candidate } from './coin-query.js';
import type { SpendingRules } from './rules.js';
import type { SpendInputRow, SpendOutputRow, SpendRecord, SpendRow } from './store.js';

// A new proposal's rows in three statements: the spend (read back by RETURNING), then, together, its inputs in one
// INSERT over unnest (checked by the statement-level guard of migration 0005) and its outputs. The record answered is built from
// what was written, so nothing is read again: a new spend has no approvals and no uploads.

export type NewSpend = typeof spends.$inferInsert;
export type NewInput = Omit<SpendInputRow, 'spendId' | 'n' | 'live'>;
export type NewOutput = Omit<SpendOutputRow, 'spendId' | 'vout' | 'live'>;

const pgArray = (values: readonly (string | number | bigint | boolean)[]) => `{${values.join(',')}}`;

async function insertInputs(tx: Tx, spendId: string, inputs: readonly NewInput[]) {
  // Addresses and txids are base58/bech32/hex: no character needs quoting inside an array literal.
  await tx.execute(sql`insert into spend_inputs (spend_id, n, txid, vout, amount_sat, address, chain, index, coinbase)
    select ${spendId}, i.n - 1, i.txid, i.vout, i.amount_sat, i.address, i.chain, i.index, i.coinbase
    from unnest(${pgArray(inputs.map((c) => c.txid))}::text[], ${pgArray(inputs.map((c) => c.vout))}::bigint[],
      ${pgArray(inputs.map((c) => c.amountSat))}::bigint[], ${pgArray(inputs.map((c) => c.address))}::text[],
      ${pgArray(inputs.map((c) => c.chain))}::integer[], ${pgArray(inputs.map((c) => c.index))}::integer[],
      ${pgArray(inputs.map((c) => c.coinbase))}::boolean[])
      with ordinality as i(txid, vout, amount_sat, address, chain, index, coinbase, n)`);
}

export async function recordProposal(
  tx: Tx,
  spend: NewSpend,
  inputs: readonly NewInput[],
  outputs: readonly NewOutput[],
): Promise<SpendRecord> {
  const [row] = (await tx.insert(spends).values(spend).returning()) as [SpendRow];
  const outputRows: SpendOutputRow[] = outputs.map((o, vout) => ({ ...o, spendId: row.id, vout, live: true }));
  // Both need only the spend's row: pipelined.
  await Promise.all([insertInputs(tx, row.id, inputs), tx.insert(spendOutputs).values(outputRows)]);
  return {
    spend: row,
    inputs: inputs.map((coin, n) => ({ ...coin, spendId: row.id, n, live: true })),
    outputs: outputRows,
    approvals: [],
    uploads: [],
  };
}

/** What a proposal decided, to be written as its rows and its audit record. */
export interface ProposalFacts {
  id: string;
  policy: { id: string; version: number };
  rules: SpendingRules;
  threshold: number;
  purpose: string;
  account: string;
  rateMsat: bigint;
  amountSat: bigint;
  funding: Funding<Candidate>;
  outputs: readonly ResolvedOutput[];
  spend: ComposedSpend;
  locktime: number;
  now: Date;
  expiresAt: Date;
}

/** The proposal's rows and its audit record, pipelined. */
export async function writeProposal(tx: Tx, ctx: Ctx, f: ProposalFacts): Promise<SpendRecord> {
  const { funding, spend } = f;
  const [record] = await Promise.all([
    recordProposal(
      tx,
      {
        id: f.id,
        policyId: f.policy.id,
        policyVersion: f.policy.version,
        state: 'proposed',
        purpose: f.purpose,
        account: f.account,
        proposedBy: ctx.actor.keyId ?? ctx.actor.role,
        proposedByName: ctx.actor.name,
        approvalsRequired: f.rules.approvals,
        threshold: f.threshold,
        delayHours: f.rules.delayHours,
        feeRateMsatVb: f.rateMsat,
        feeSat: funding.feeSat,
        vsize: funding.vsize,
        amountSat: f.amountSat,
        changeSat: funding.changeSat,
        locktime: f.locktime,
        includesCoinbase: funding.inputs.some((i) => i.coinbase),
        digest: spend.digest,
        unsignedTxHex: spend.unsignedTx.toHex(),
        unsignedTxid: spend.unsignedTxid,
        txid: spend.txid,
        psbtBase64: Buffer.from(spend.psbt).toString('base64'),
        createdAt: f.now,
        expiresAt: f.expiresAt,
      },
      funding.inputs.map((coin) => ({
        txid: coin.txid,
        vout: BigInt(coin.vout),
        amountSat: coin.valueSat,
        address: coin.address,
        chain: coin.chain,
        index: coin.index,
        coinbase: coin.coinbase,
      })),
      spend.outputs.map((o, vout) => {
        const resolved = f.outputs[vout];
        return {
          address: o.address,
          scriptHex: Buffer.from(o.script).toString('hex'),
          amountSat: o.valueSat,
          label: o.label,
          kind: resolved ? resolved.kind : 'change',
          destPolicyId: resolved ? resolved.destPolicyId : f.policy.id,
          issued: resolved ? resolved.issued : true,
        };
      }),
    ),
    audit(tx, ctx, {
      action: 'spends.propose',
      target: f.id,
      details: {
        policy_id: f.policy.id,
        policy_version: f.policy.version,
        digest: spend.digest,
        amount_sat: f.amountSat.toString(),
        fee_sat: funding.feeSat.toString(),
        inputs: funding.inputs.length,
        purpose: f.purpose,
      },
    }),
  ]);
  return record;
}
