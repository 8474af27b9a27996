import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { spendOutputs, spends } from '../../db/schema/spends.js';
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
