import { createHash } from 'node:crypto';

// The approval digest: SHA-256 over a canonical text an approver's client can show and recompute. It binds the
// policy version, the whole unsigned transaction (version, inputs with their sequences, outputs, locktime, as
// the hex of its legacy serialisation), every output's address, amount and label, and the fee. docs/spends.md
// gives the form and a worked example. Pure.

export const DIGEST_FORM_VERSION = 'reserve-spend-digest/v1';

export interface DigestInput {
  policyId: string;
  policyVersion: number;
  /** The unsigned transaction, serialised without witness. */
  unsignedTxHex: string;
  outputs: readonly { address: string; valueSat: bigint; label: string | null }[];
  feeSat: bigint;
}

/** The canonical form: one field per line, LF line ends, labels as JSON strings (or null). */
export function digestForm(input: DigestInput): string {
  const lines = [
    DIGEST_FORM_VERSION,
    `policy_id ${input.policyId}`,
    `policy_version ${input.policyVersion}`,
    `unsigned_tx ${input.unsignedTxHex.toLowerCase()}`,
    ...input.outputs.map((o, i) => `output ${i} ${o.address} ${o.valueSat} ${JSON.stringify(o.label)}`),
    `fee_sat ${input.feeSat}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function spendDigest(input: DigestInput): string {
  return createHash('sha256').update(digestForm(input), 'utf8').digest('hex');
}
